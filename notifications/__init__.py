"""Notifications every app can send: a row in each recipient's in-app inbox, of a kind the
sending app registered (``notifications.kinds``), optionally about one object of that app
(a generic link, with the page to open cached as ``link``), and an e-mail outbox a task sends.

This app sits between ``orgchart`` (accounts, the access policy) and the apps that tell
people things (petitions, volunteers): it knows no petition and no work order.
"""
