"""Order processing: inventory, payment, shipment and confirmation, with compensation and approval.

Run it with ``python -m examples.order_processing.run``; see README.md.
"""
