"""Token-based uploads and downloads: presigned S3 transfers guarded by counted, expiring tokens."""
