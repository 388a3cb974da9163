using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>Which other sites' pages may call the API and the hub from a browser. None by default: CORS stays closed.</summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>Origins such as <c>https://status.example.com</c>; they may send the API key header and credentials.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

/// <summary>Each allowed origin is a scheme and a host (and port), as browsers send it: no "*", no path.</summary>
internal sealed class CrossOriginOptionsValidator : IValidateOptions<CrossOriginOptions>
{
    public ValidateOptionsResult Validate(string? name, CrossOriginOptions options)
    {
        var wrong = options.AllowedOrigins.Where(origin => !IsOrigin(origin)).ToList();
        return wrong.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(wrong.Select(origin =>
            $"Cors:AllowedOrigins has '{origin}', which is not an origin: write scheme and host, like https://status.example.com (no '*': a key may be sent)."));
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.GetLeftPart(UriPartial.Authority).Equals(origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
