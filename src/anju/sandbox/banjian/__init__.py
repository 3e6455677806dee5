"""The 一体化政务服务平台 办件库, as the sandbox plays it."""
