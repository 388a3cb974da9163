namespace MessageQueue.Gateway.Security;

/// <summary>
/// Headers that keep the dashboard and the gateway's pages from being framed, sniffed or fed foreign scripts.
/// The dashboard loads only its own files (no inline script or style), so its policy allows nothing else.
/// </summary>
internal static class SecurityHeaders
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Set as the answer starts, so an error page that replaced the answer (the exception handler clears headers) has them too.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(AddHeaders, context);
        return next(context);
    });

    private static Task AddHeaders(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Nothing to other sites (the links in mails carry tokens); to itself the page's origin, which a browser
        // otherwise sends as "null" on a form post, and the origin check would refuse it.
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // Swagger UI's page uses inline script; it still gets every other header.
        if (!context.Request.Path.StartsWithSegments("/swagger"))
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return Task.CompletedTask;
    }
}
