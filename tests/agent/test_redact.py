"""The redactor: Codex's four patterns, the well-known token formats, and secret-named assignments in every form."""

from __future__ import annotations

import json

import pytest

from agent import redact_secrets, redact_value

R = "[REDACTED_SECRET]"
SK_PROJ = "sk-proj-" + "Ab3_dE-f" * 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Codex's four.
        ("key sk-abcdefghijklmnopqrstuvwxyz0123 end", f"key {R} end"),
        ("Authorization: Bearer abcdefghijklmnop1234", f"Authorization: Bearer {R}"),
        ("authorization: bearer abcdefghijklmnop1234==", f"authorization: Bearer {R}"),
        ("id AKIAIOSFODNN7EXAMPLE here", f"id {R} here"),
        ("api_key=abcdefgh12345678", f"api_key={R}"),
        ("password: 'hunter22hunter'", f"password: '{R}'"),
        # What Codex's patterns miss.
        (f"OPENAI_API_KEY={SK_PROJ}", f"OPENAI_API_KEY={R}"),
        (f"key {SK_PROJ}", f"key {R}"),
        (
            'export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
            f'export AWS_SECRET_ACCESS_KEY="{R}"',
        ),
        ("GITHUB_TOKEN='abcdef123456'", f"GITHUB_TOKEN='{R}'"),
        ("SECRET_KEY_BASE=0123456789abcdef0123", f"SECRET_KEY_BASE={R}"),
        ('{"clientSecret": "abcd1234efgh5678", "name": "x"}', f'{{"clientSecret": "{R}", "name": "x"}}'),
        ("db:\n  password: hunter2\n", f"db:\n  password: {R}\n"),
        ('{\\"access_token\\": \\"abcdefgh12345678\\"}', f'{{\\"access_token\\": \\"{R}\\"}}'),
        # Well-known formats.
        ("ghp_" + "a1" * 18, R),
        ("github_pat_" + "A1_" * 10, R),
        ("glpat-" + "x" * 20, R),
        ("xoxb-1234567890-abcdefghij", R),
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXX", f"https://{R}"),
        ("AIza" + "0" * 35, R),
        ("sk_live_" + "a" * 24, R),
        ("npm_" + "a" * 36, R),
        ("hf_" + "a" * 34, R),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", R),
        ("postgres://app:s3cretpass@db.internal/x", f"postgres://app:{R}@db.internal/x"),
        (
            "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc==\n-----END RSA PRIVATE KEY-----\nafter",
            f"before\n{R}\nafter",
        ),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", R),
        # Twilio (account SID, API key), Discord and Telegram bot tokens, Mailchimp.
        ("sid AC" + "0123456789abcdef" * 2 + " ok", f"sid {R} ok"),
        ("twilio SK" + "fedcba9876543210" * 2, f"twilio {R}"),
        ("bot MTA4OTk1NjY3NzY1NTU4NjgzMg.GhQx1B.abcdefghijklmnopqrstuvwxyz0123 x", f"bot {R} x"),
        ("bot 1234567890:AAH" + "x9_-" * 8 + " ok", f"bot {R} ok"),
        ("mc 0123456789abcdef0123456789abcdef-us21 ok", f"mc {R} ok"),
    ],
)
def test_secrets_are_replaced(text: str, expected: str) -> None:
    assert redact_secrets(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "keyboard: us-international",
        "tokenizer = cl100k_base_thing",
        "token = get_token()",
        "auth_mode: apikey",
        "max_tokens: 4096",
        "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}",
        "api_key: $OPENAI_API_KEY",
        "secret: true",
        "see https://example.com/path?x=1",
        "a plain sentence about keys and tokens",
        "task-abcdefghijklmnopqrstuvwxyz",
        "last_token_usage: TokenUsage",
        "input_tokens=usage.input_tokens",
        "api_key=self.api_key",
        '"mask_api_key": "._auth",',
        "key_file = /etc/ssl/private/server.pem",
        "commit 0123456789abcdef0123456789abcdef01234567 merged",
        "md5 0123456789abcdef0123456789abcdef-usage",
        "ACCOUNT0123456789abcdef0123456789abcdef",
        "at 1700000000:Apple pie",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_secrets(text) == text


def test_text_around_a_secret_keeps_its_non_ascii_characters() -> None:
    assert redact_secrets("héllo TOKEN=abcdefgh12345 ünï ✓") == f"héllo TOKEN={R} ünï ✓"


def test_long_text_takes_the_fast_engine_and_finds_every_secret() -> None:
    filler = "ordinary line of build output with key words but no secrets\n" * 200
    text = f"{filler}OPENAI_API_KEY={SK_PROJ}\n{filler}Bearer abcdefghijklmnop1234\n{filler}"
    redacted = redact_secrets(text)
    assert SK_PROJ not in redacted and "abcdefghijklmnop1234" not in redacted
    assert redacted.count(R) == 2 and redacted.count("ordinary line") == 600


def test_a_rejected_name_does_not_hide_a_token_after_it() -> None:
    assert redact_secrets("keyboard: Bearer abcdefghijklmnop1234") == f"keyboard: Bearer {R}"


def test_values_are_redacted_string_by_string_so_json_stays_valid() -> None:
    value = {"output": 'OPENAI_API_KEY="sk-abcdefghijklmnopqrstuvwxyz0123"\\', "n": 3, "list": ["Bearer " + "x" * 20]}
    redacted = redact_value(value)
    assert redacted == {"output": f'OPENAI_API_KEY="{R}"\\', "n": 3, "list": [f"Bearer {R}"]}
    assert json.loads(json.dumps(redacted)) == redacted
