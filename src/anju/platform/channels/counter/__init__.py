"""The counter channel (窗口, 线下端): a clerk at a 政务服务中心 window serves a walk-in (issue 16, decision 0018)."""
