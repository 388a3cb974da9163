using Microsoft.AspNetCore.Authorization;

namespace MessageQueue.Gateway.Security;

/// <summary>What a change needs. Reading and subscribing need nothing.</summary>
public static class ApiPolicies
{
    /// <summary>
    /// Posting updates, and removing someone's email registration (unless with the token of the link in their mail):
    /// a publisher or admin key. Not admin only: an application that registers its users' addresses must be able to
    /// remove them without holding the key that deletes subjects.
    /// </summary>
    public const string Publish = "publish";

    /// <summary>Creating and deleting subjects, reading the outbox: an admin key.</summary>
    public const string Administer = "administer";

    internal static void Add(AuthorizationBuilder authorization) => authorization
        .AddPolicy(Publish, p => p.AddRequirements(new RoleOrOpenRequirement(ApiRoles.Publisher, ApiRoles.Admin)))
        .AddPolicy(Administer, p => p.AddRequirements(new RoleOrOpenRequirement(ApiRoles.Admin)));
}

/// <summary>One of the roles, or no key configured at all (an open door, which protected mode keeps on loopback).</summary>
internal sealed record RoleOrOpenRequirement(params string[] Roles) : IAuthorizationRequirement;

internal sealed class RoleOrOpenHandler(ApiKeys keys) : AuthorizationHandler<RoleOrOpenRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleOrOpenRequirement requirement)
    {
        if (!keys.Configured || requirement.Roles.Any(context.User.IsInRole))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
