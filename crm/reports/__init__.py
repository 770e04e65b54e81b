"""Reports of the service rules at work: deadlines met and waiting times, the rating trend,
and the clients nobody has been in touch with.
"""
