using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>
/// Keeps other sites' pages from using the gateway through a visitor's browser. CORS guards reads, but not a WebSocket
/// to the hub nor a form post; so a change or a hub connection that a browser makes for a page of another origin (one
/// not in Cors:AllowedOrigins) is refused. Programs send no Origin and are not concerned.
/// </summary>
internal static class BrowserOrigins
{
    public static IApplicationBuilder UseSameOriginForBrowsers(this IApplicationBuilder app)
    {
        var allowed = app.ApplicationServices.GetRequiredService<IOptions<CrossOriginOptions>>().Value.AllowedOrigins
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            var changesOrConnects = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
                || WebSocketUpgrade.IsRequested(request);
            if (changesOrConnects && request.Headers.Origin is [{ } origin]
                && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase) && !allowed.Contains(origin))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status403Forbidden,
                        Title = "A page of another site may not do this.",
                        Detail = "The browser says this request comes from a page of another origin. Add that origin to Cors:AllowedOrigins to allow it.",
                    },
                });
                return;
            }
            await next(context);
        });
    }

    /// <summary>
    /// Open on loopback (no keys, no Auth:AllowAnonymous) and AllowedHosts left at "*": answer only loopback host names,
    /// so a site whose name is made to point at 127.0.0.1 (DNS rebinding) cannot reach the open doors from a browser.
    /// </summary>
    public static void LoopbackHostsWhenOpen(HostFilteringOptions hosts, AuthOptions auth)
    {
        if (auth.ApiKeys.Count == 0 && !auth.AllowAnonymous && hosts.AllowedHosts is [] or ["*"])
            hosts.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"];
    }
}
