"""Connections to external MCP servers: configuration, startup, tools under model-visible names, results as the
model sees them, resources, OAuth 2.1 login and token storage, and the hand-off of elicitations and mid-session
logins to the front end.

This package imports nothing else of pycodex's.
"""

from ._authorization import AuthorizationHandler as AuthorizationHandler
from ._authorization import AuthorizationRequest as AuthorizationRequest
from ._authorization import ConsoleAuthorization as ConsoleAuthorization
from ._authorization import decline_authorization as decline_authorization
from ._config import DEFAULT_STARTUP_TIMEOUT_SEC as DEFAULT_STARTUP_TIMEOUT_SEC
from ._config import DEFAULT_TOOL_TIMEOUT_SEC as DEFAULT_TOOL_TIMEOUT_SEC
from ._config import SERVER_KEYS as SERVER_KEYS
from ._config import UNSUPPORTED_SERVER_KEYS as UNSUPPORTED_SERVER_KEYS
from ._config import ApprovalMode as ApprovalMode
from ._config import CredentialsStoreMode as CredentialsStoreMode
from ._config import EnvVarSpec as EnvVarSpec
from ._config import McpOAuthSettings as McpOAuthSettings
from ._config import McpProtocol as McpProtocol
from ._config import McpServerConfig as McpServerConfig
from ._config import McpServerOAuthConfig as McpServerOAuthConfig
from ._config import McpStdioTransport as McpStdioTransport
from ._config import McpStreamableHttpTransport as McpStreamableHttpTransport
from ._config import McpToolConfig as McpToolConfig
from ._config import nearest_server_key as nearest_server_key
from ._config import parse_mcp_servers as parse_mcp_servers
from ._config import parse_server_config as parse_server_config
from ._config import unknown_server_keys as unknown_server_keys
from ._config import validate_server_name as validate_server_name
from ._config_file import add_server as add_server
from ._config_file import http_server_table as http_server_table
from ._config_file import load_mcp_servers as load_mcp_servers
from ._config_file import load_oauth_settings as load_oauth_settings
from ._config_file import read_user_config as read_user_config
from ._config_file import remove_server as remove_server
from ._config_file import server_json as server_json
from ._config_file import stdio_server_table as stdio_server_table
from ._config_file import user_config_path as user_config_path
from ._credentials import KEYRING_SERVICE as KEYRING_SERVICE
from ._credentials import McpCredentialStore as McpCredentialStore
from ._credentials import StoredOAuthCredentials as StoredOAuthCredentials
from ._credentials import credentials_key as credentials_key
from ._credentials import write_private_json as write_private_json
from ._credentials import write_private_text as write_private_text
from ._elicitation import ElicitationHandler as ElicitationHandler
from ._elicitation import ElicitationRequest as ElicitationRequest
from ._elicitation import apply_schema_defaults as apply_schema_defaults
from ._elicitation import decline_elicitation as decline_elicitation
from ._manager import McpConnectionManager as McpConnectionManager
from ._manager import McpServerInfo as McpServerInfo
from ._manager import McpToolInfo as McpToolInfo
from ._manager import default_codex_home as default_codex_home
from ._names import QualifiedToolName as QualifiedToolName
from ._names import qualify_tools as qualify_tools
from ._names import sanitize_tool_name as sanitize_tool_name
from ._names import split_qualified_name as split_qualified_name
from ._oauth import AuthStatus as AuthStatus
from ._oauth import LoginResult as LoginResult
from ._oauth import auth_status as auth_status
from ._oauth import authorization_prompt as authorization_prompt
from ._oauth import login as login
from ._oauth import logout as logout
from ._oauth_provider import PreRegisteredClient as PreRegisteredClient
from ._oauth_provider import login_required_message as login_required_message
from ._output import InputImage as InputImage
from ._output import InputText as InputText
from ._output import McpModelOutput as McpModelOutput
from ._output import compact_json as compact_json
from ._output import format_wall_time as format_wall_time
from ._output import read_resource_payload as read_resource_payload
from ._output import resource_templates_payload as resource_templates_payload
from ._output import resources_payload as resources_payload
from ._output import tool_result_to_item_result as tool_result_to_item_result
from ._output import tool_result_to_model_output as tool_result_to_model_output
from .errors import McpAuthRequiredError as McpAuthRequiredError
from .errors import McpClientError as McpClientError
from .errors import McpClosedError as McpClosedError
from .errors import McpConfigError as McpConfigError
from .errors import McpCredentialStoreError as McpCredentialStoreError
from .errors import McpOAuthError as McpOAuthError
from .errors import McpRequiredServerError as McpRequiredServerError
from .errors import McpStartupError as McpStartupError
from .errors import McpStartupTimeoutError as McpStartupTimeoutError
from .errors import McpToolError as McpToolError
from .errors import McpToolTimeoutError as McpToolTimeoutError
from .errors import McpUnknownServerError as McpUnknownServerError
from .errors import McpUnknownToolError as McpUnknownToolError

__all__ = [
    "DEFAULT_STARTUP_TIMEOUT_SEC",
    "DEFAULT_TOOL_TIMEOUT_SEC",
    "KEYRING_SERVICE",
    "ApprovalMode",
    "AuthStatus",
    "AuthorizationHandler",
    "AuthorizationRequest",
    "ConsoleAuthorization",
    "CredentialsStoreMode",
    "ElicitationHandler",
    "ElicitationRequest",
    "EnvVarSpec",
    "InputImage",
    "InputText",
    "LoginResult",
    "McpAuthRequiredError",
    "McpClientError",
    "McpClosedError",
    "McpConfigError",
    "McpConnectionManager",
    "McpCredentialStore",
    "McpCredentialStoreError",
    "McpModelOutput",
    "McpOAuthError",
    "McpOAuthSettings",
    "McpProtocol",
    "McpRequiredServerError",
    "McpServerConfig",
    "McpServerInfo",
    "McpServerOAuthConfig",
    "McpStartupError",
    "McpStartupTimeoutError",
    "McpStdioTransport",
    "McpStreamableHttpTransport",
    "McpToolConfig",
    "McpToolError",
    "McpToolInfo",
    "McpToolTimeoutError",
    "McpUnknownServerError",
    "McpUnknownToolError",
    "PreRegisteredClient",
    "QualifiedToolName",
    "SERVER_KEYS",
    "StoredOAuthCredentials",
    "UNSUPPORTED_SERVER_KEYS",
    "add_server",
    "apply_schema_defaults",
    "auth_status",
    "authorization_prompt",
    "compact_json",
    "credentials_key",
    "write_private_json",
    "write_private_text",
    "decline_authorization",
    "decline_elicitation",
    "default_codex_home",
    "format_wall_time",
    "http_server_table",
    "nearest_server_key",
    "load_mcp_servers",
    "load_oauth_settings",
    "login",
    "login_required_message",
    "logout",
    "parse_mcp_servers",
    "parse_server_config",
    "qualify_tools",
    "read_resource_payload",
    "read_user_config",
    "remove_server",
    "resource_templates_payload",
    "resources_payload",
    "sanitize_tool_name",
    "server_json",
    "split_qualified_name",
    "stdio_server_table",
    "tool_result_to_item_result",
    "tool_result_to_model_output",
    "unknown_server_keys",
    "user_config_path",
    "validate_server_name",
]
