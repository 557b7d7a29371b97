"""The published demo password: demo accounts are for trying the system, never for a production deployment."""

DEMO_PASSWORD = "Jingzhun-demo-2026"
