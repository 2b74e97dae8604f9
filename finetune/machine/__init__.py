"""This machine: its devices and precision (hardware), the launcher of several processes (launch), memory trouble (health)."""
