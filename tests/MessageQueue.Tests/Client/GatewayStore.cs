using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Client;

/// <summary>Reads what an in-process gateway stored, to check a client's effect where the protocol cannot show it.</summary>
public static class GatewayStore
{
    public static string[] EmailsOn(GatewayFactory gateway, string subject)
    {
        using var db = gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContext();
        return [.. db.Subscriptions
            .Where(s => db.Subjects.Any(subjectRow => subjectRow.Id == s.SubjectId && subjectRow.Name == subject))
            .Select(s => s.Email)];
    }
}
