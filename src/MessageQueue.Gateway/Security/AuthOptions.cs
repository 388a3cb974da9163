namespace MessageQueue.Gateway.Security;

/// <summary>Who may publish and administer over HTTP and the hub; whether doors may run open off loopback.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The keys that HTTP and hub clients present in <c>X-Api-Key</c>. None: those doors are open (loopback only, see <see cref="AllowAnonymous"/>).</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>
    /// Lets a door without credentials (no API keys; no CurveZMQ keys) bind to a non-loopback address. Off by default,
    /// like Redis's protected mode: an open door on a network is a decision, not an accident.
    /// </summary>
    public bool AllowAnonymous { get; set; }
}

/// <summary>One API key and the role it grants (checked by <see cref="AuthOptionsValidator"/>). Give <see cref="KeyHash"/> instead of <see cref="Key"/> to keep the key itself out of files.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>The key itself, at least 16 characters.</summary>
    public string? Key { get; set; }

    /// <summary>The key's SHA-256 as 64 hex digits (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string? KeyHash { get; set; }

    /// <summary><c>publisher</c> (post updates) or <c>admin</c> (also create and delete subjects, read the outbox).</summary>
    public string Role { get; set; } = "";
}
