using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Security;

/// <summary>Marks a hub method that needs an <see cref="ApiPolicies"/> policy.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresPolicyAttribute(string policy) : Attribute
{
    public string Policy { get; } = policy;
}

/// <summary>
/// Checks <see cref="RequiresPolicyAttribute"/> before a hub method runs and refuses in the hub's error shape,
/// "unauthorized: ..." without a key and "forbidden: ..." with a key of another role. The connection stays open.
/// </summary>
internal sealed class HubAuthorization(IAuthorizationService authorization) : IHubFilter
{
    private readonly ConcurrentDictionary<MethodInfo, string?> _policies = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var policy = _policies.GetOrAdd(invocation.HubMethod, m => m.GetCustomAttribute<RequiresPolicyAttribute>()?.Policy);
        if (policy is not null)
        {
            var user = invocation.Context.User ?? new();
            if (!(await authorization.AuthorizeAsync(user, policy)).Succeeded)
            {
                throw new HubException(user.Identity?.IsAuthenticated == true
                    ? $"forbidden: {invocation.HubMethodName} needs a key with another role ({Roles(policy)})."
                    : $"unauthorized: {invocation.HubMethodName} needs an API key ({Roles(policy)}); connect with it as the access token.");
            }
        }
        return await next(invocation);
    }

    private static string Roles(string policy) => policy == ApiPolicies.Administer ? "admin" : "publisher or admin";
}
