using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Realtime;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// API keys with roles for HTTP and the hub, protected mode (no keys: loopback only, unless Auth:AllowAnonymous),
    /// rate limits per client, CORS (closed unless configured) and the largest request body anywhere.
    /// </summary>
    public static IHostApplicationBuilder AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddSingleton<ApiKeys>();
        // A wrong key is answered 401 and logged by nobody (one line per request would let a guesser fill the disk);
        // the request log writes URLs, and a browser's hub WebSocket carries its key in one, so it stays quiet too.
        builder.Logging.AddFilter(typeof(ApiKeyAuthentication).FullName, LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        ApiPolicies.Add(builder.Services.AddAuthorizationBuilder());
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, RoleOrOpenHandler>();
        builder.Services.AddSingleton<HubAuthorization>();
        builder.Services.AddHostedService<ChangeAccessReport>();
        builder.Services.ConfigureSwaggerGen(SwaggerApiKey.Configure);

        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ClientRateLimiter>();
        builder.Services.AddSingleton<HubRateLimit>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<ClientRateLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter.ForHttp;
            options.OnRejected = ClientRateLimiter.RejectAsync;
        });

        builder.Services.AddOptions<CrossOriginOptions>().BindConfiguration(CrossOriginOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CrossOriginOptions>, CrossOriginOptionsValidator>();
        builder.Services.AddOptions<HostFilteringOptions>().PostConfigure<IOptions<AuthOptions>>((hosts, auth) => BrowserOrigins.LoopbackHostsWhenOpen(hosts, auth.Value));
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, allowed) =>
        {
            if (allowed.Value.AllowedOrigins.Count > 0)
            {
                cors.AddDefaultPolicy(policy => policy.WithOrigins([.. allowed.Value.AllowedOrigins])
                    .WithMethods("GET", "POST", "DELETE")
                    .WithHeaders("Content-Type", "Authorization", ApiKeyAuthentication.HeaderName, "X-Requested-With", "X-SignalR-User-Agent")
                    .AllowCredentials());
            }
        });

        // The API's body limit (Api:MaxRequestBodyBytes) for every request; the hub's long polling posts messages of up to Hub:MaxMessageBytes.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>, IOptions<RealtimeOptions>>((kestrel, api, hub) =>
            kestrel.Limits.MaxRequestBodySize = Math.Max(api.Value.MaxRequestBodyBytes, hub.Value.MaxMessageBytes));
        return builder;
    }

    /// <summary>The endpoint needs a key that satisfies the policy (when keys are configured); documents its 401 and 403.</summary>
    public static RouteHandlerBuilder Needs(this RouteHandlerBuilder endpoint, string policy) => endpoint
        .RequireAuthorization(policy)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>
    /// Security headers and CORS first; then every request is authenticated and counted against its client's
    /// bucket, before a wrong key is refused (so guessing keys is rate limited too): 401 wherever it is sent.
    /// </summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseCors(); // without Cors:AllowedOrigins there is no policy, and no cross-origin header is ever sent
        app.UseSameOriginForBrowsers();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            if ((await context.AuthenticateAsync()).Failure is not null)
                await context.ChallengeAsync();
            else
                await next(context);
        });
        app.UseAuthorization();
        return app;
    }
}
