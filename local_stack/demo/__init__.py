"""``make demo``: the story of the product, one chapter a module, told over real HTTP
against the local stack (``python -m local_stack.demo``).

1. :mod:`~local_stack.demo.one_customer`: a poster's customer added, welcomed, tagged, a
   retried callback with no second effect, the customer's deletion and its churn alert;
2. :mod:`~local_stack.demo.live_codes`: a live code spreading scans over its staff, each
   add attributed to its channel, the day's stats;
3. :mod:`~local_stack.demo.welcome_sop`: a welcome SOP's day-0 and day-1 steps on
   simulated days, and its funnel;
4. :mod:`~local_stack.demo.orders_and_points`: a shop order earning points once, a partial
   refund, a redemption, the tier reached;
5. :mod:`~local_stack.demo.screening_and_report`: the screening run, the week's figures and
   the day's report written to S3.

:mod:`~local_stack.demo.client` is what every chapter uses (HTTP, tokens, waiting, printing);
:mod:`~local_stack.demo.__main__` starts the stack and tells the chapters in order.
"""
