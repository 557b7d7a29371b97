"""Registers of every level (户有卡、村有册、乡有簿、县有档): the household card, the village register, the
township book and the county archive, as PDF (WeasyPrint, Noto CJK embedded), Excel and zip."""
