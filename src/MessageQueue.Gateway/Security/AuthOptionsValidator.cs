using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>
/// Checks every key entry, and protected mode for HTTP: listening where other machines can reach it without API keys
/// refuses to start, unless <see cref="AuthOptions.AllowAnonymous"/> says that is meant.
/// </summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
            failures.AddRange(Check(options.ApiKeys[i], $"Auth:ApiKeys:{i}"));

        if (options.ApiKeys.Count == 0 && !options.AllowAnonymous && ExposedListeners().FirstOrDefault() is { } exposed)
        {
            failures.Add($"HTTP listens on {exposed}, which other machines can reach, and no API key is configured, so anyone could "
                + "publish, create and delete subjects. Configure a key (Auth__ApiKeys__0__KeyHash=<SHA-256 hex of the key> and "
                + "Auth__ApiKeys__0__Role=admin), listen on 127.0.0.1 only, or set Auth__AllowAnonymous=true to run open on purpose.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> Check(ApiKeyEntry entry, string path)
    {
        if ((entry.Key is null) == (entry.KeyHash is null))
            yield return $"{path} needs exactly one of Key and KeyHash.";
        if (entry.Key is { Length: < 16 })
            yield return $"{path}:Key is shorter than 16 characters; use a long random key (openssl rand -base64 32).";
        if (entry.KeyHash is { } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
            yield return $"{path}:KeyHash must be a SHA-256 in 64 hex digits (printf %s \"$KEY\" | sha256sum).";
        if (entry.Role is not (ApiRoles.Publisher or ApiRoles.Admin))
            yield return $"{path}:Role must be {ApiRoles.Publisher} or {ApiRoles.Admin}.";
    }

    /// <summary>Where Kestrel is told to listen, from every setting that can say it; port-only settings mean every interface.</summary>
    private IEnumerable<string> ExposedListeners()
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (var url in urls.Where(u => !Exposure.IsLoopbackUrl(u)))
            yield return url;
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            if (!string.IsNullOrEmpty(configuration[key]))
                yield return $"port {configuration[key]} on every interface ({key.ToUpperInvariant()})";
        }
    }
}
