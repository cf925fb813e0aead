"""Local files -> Desired records: manifests, tailor.yaml, images. No network."""
