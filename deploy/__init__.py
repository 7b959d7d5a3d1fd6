"""Deployment kit: nginx site, systemd units, and local.py (N app processes + nginx on 127.0.0.1)."""
