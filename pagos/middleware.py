"""Allow Stripe.js's origins in the Content-Security-Policy of the pages that load it, and only those."""

from django.conf import settings

# Set on the request by the {% stripe_js_url %} tag while the page renders.
MARCA = "_carga_stripe_js"


class StripeJSMiddleware:
    """Add ``STRIPE_CSP`` to the policy of a response whose template loaded Stripe.js.

    Listed after ``csp.middleware.CSPMiddleware``, so it sees the response first and
    leaves django-csp's ``_csp_update`` for it to merge into the site's strict policy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, MARCA, False):
            update = dict(getattr(response, "_csp_update", None) or {})
            for directiva, origenes in settings.STRIPE_CSP.items():
                update[directiva] = [*update.get(directiva, []), *origenes]
            response._csp_update = update
        return response
