"""Standard Webhooks signatures (https://www.standardwebhooks.com), made with its reference library."""
import base64
import datetime as dt
import secrets

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes them: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(endpoint_id: int, event_id: int) -> str:
    """The webhook-id of one event's delivery to one endpoint: the same on every retry and replay."""
    return f"msg_{endpoint_id}_{event_id}"


def signed_headers(message: str, body: str, signing_secrets: list[str], *, at: dt.datetime) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature (one v1 signature per secret, space-separated)."""
    signatures = " ".join(Webhook(secret).sign(message, at, body) for secret in signing_secrets)
    return {"webhook-id": message, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signatures,
            "content-type": "application/json"}
