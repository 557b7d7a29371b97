"""Early warning (预警): a risk score per household with its reasons in words, from the yearly snapshots."""
