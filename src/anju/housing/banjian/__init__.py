"""办件 records for the 一体化政务服务平台 (issue 17)."""
