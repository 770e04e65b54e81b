"""The funnel's guards: figures of the active pool, sales plans and the alerts they raise."""
