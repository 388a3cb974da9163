using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>
/// Authenticates the key in <c>X-Api-Key</c>, or as a bearer token, or, on the hub only, in <c>access_token</c>
/// (where browsers' WebSockets must put it). No key is anonymous; a wrong key fails, and is answered 401 everywhere.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey() is not { } presented)
            return Task.FromResult(AuthenticateResult.NoResult());
        if (keys.Match(presented) is not { } match)
            return Task.FromResult(AuthenticateResult.Fail("The API key is not one the gateway knows."));

        Claim[] claims = [new(ClaimTypes.NameIdentifier, $"key#{match.Index}"), new(ClaimTypes.Role, match.Role)];
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.NameIdentifier, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private string? PresentedKey()
    {
        if (Request.Headers[HeaderName] is [{ } header])
            return header;
        if (Request.Headers.Authorization is [{ } authorization] && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return authorization["Bearer ".Length..].Trim();
        // Only where a browser cannot set a header: the hub's WebSocket and server-sent events (its negotiation and
        // long polling send the Authorization header).
        if (Request.Path.StartsWithSegments("/hubs") && (WebSocketUpgrade.IsRequested(Request) || Request.Headers.Accept == "text/event-stream")
            && Request.Query["access_token"] is [{ } token])
            return token;
        return null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refused = (await HandleAuthenticateOnceAsync()).Failure is not null;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, refused ? "The API key was refused." : "An API key is needed.",
            refused
                ? "The key in X-Api-Key is not one the gateway knows. Check it, or ask for a new one."
                : "Send a key with the needed role in the X-Api-Key header (on the hub, as the access token).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "The API key's role does not allow this.",
            "Publishing needs a publisher or admin key; creating and deleting subjects and reading the outbox need an admin key.");

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
