using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

public static class SecurityExtensions
{
    /// <summary>API keys with roles for HTTP and the hub, and protected mode (no keys: loopback only, unless Auth:AllowAnonymous).</summary>
    public static IHostApplicationBuilder AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddSingleton<ApiKeys>();

        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        ApiPolicies.Add(builder.Services.AddAuthorizationBuilder());
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, RoleOrOpenHandler>();
        builder.Services.AddSingleton<HubAuthorization>();
        builder.Services.ConfigureSwaggerGen(SwaggerApiKey.Configure);
        return builder;
    }

    /// <summary>The endpoint needs a key that satisfies the policy (when keys are configured); documents its 401 and 403.</summary>
    public static RouteHandlerBuilder Needs(this RouteHandlerBuilder endpoint, string policy) => endpoint
        .RequireAuthorization(policy)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>Authenticates every request; a wrong key is 401 wherever it is sent, even where none is needed.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseAuthentication();
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
