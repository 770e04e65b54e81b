"""Pages of stage 2: clients and contracts, the feedback queue and its forms, the service
rules, the service reports. Thin views: reads through the selectors, writes through the
services.
"""
