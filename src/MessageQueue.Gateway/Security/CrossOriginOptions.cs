namespace MessageQueue.Gateway.Security;

/// <summary>Which other sites' pages may call the API and the hub from a browser. None by default: CORS stays closed.</summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>Origins such as <c>https://status.example.com</c>; they may send the API key header and credentials.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
