"""精准考核 on other apps' pages: the 工作台's overdue rectification items."""
