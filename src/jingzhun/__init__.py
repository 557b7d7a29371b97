"""Jingzhun (精准): information platform for targeted poverty alleviation."""
