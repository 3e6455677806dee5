"""The provincial 好差评 system stand-in: receives ratings pushed upward (评价数据上报)."""
