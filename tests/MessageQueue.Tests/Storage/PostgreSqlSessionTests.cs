using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Storage;

/// <summary>The sessions a gateway opens on PostgreSQL: what it asks of the server for each.</summary>
public sealed class PostgreSqlSessionTests
{
    [Fact]
    public async Task StatementsRunAgainAndAgainArePreparedOnTheServer()
    {
        using var gateway = new PostgreSqlGateway();
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < 3; i++)
            await db.Subjects.Where(s => s.Name == "React").Select(s => s.LastSequence).SingleAsync();

        var prepared = await db.Database.SqlQuery<long>($"SELECT count(*) AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%FROM \"Subjects\"%'").SingleAsync();
        Assert.True(prepared >= 1, "The query run three times was not prepared: each run is parsed and planned again.");
    }

    [Theory]
    [InlineData("true", "on")]
    [InlineData("false", "off")]
    public async Task ACommitWaitsForTheWalFlushUnlessFlushEachCommitIsOff(string flushEachCommit, string synchronousCommit)
    {
        using var data = new TempDirectory();
        using var gateway = new GatewayFactory(data.Path, new Dictionary<string, string?> { ["Store:FlushEachCommit"] = flushEachCommit }, store: StoreProvider.PostgreSql);
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        Assert.Equal(synchronousCommit, await db.Database.SqlQuery<string>($"SELECT current_setting('synchronous_commit') AS \"Value\"").SingleAsync());
    }
}

/// <summary>Instances starting together on a new PostgreSQL database: one migrates, the others wait and find it done.</summary>
public sealed class PostgreSqlConcurrentStartTests
{
    [Fact]
    public async Task InstancesStartingTogetherOnANewDatabaseAllStart()
    {
        // The window (one instance between two of another's migrations) is narrow: a few rounds of four at once.
        for (var round = 0; round < 4; round++)
        {
            using var data = new TempDirectory();
            var starting = Enumerable.Range(0, 4).Select(_ => Task.Run(() => new GatewayFactory(data.Path, store: StoreProvider.PostgreSql))).ToArray();
            var started = await Task.WhenAll(starting.Select(async start =>
            {
                try
                {
                    return (Gateway: await start, Error: (Exception?)null);
                }
                catch (Exception e)
                {
                    return (Gateway: (GatewayFactory?)null, Error: e);
                }
            }));
            foreach (var (gateway, _) in started)
                gateway?.Dispose();
            Assert.All(started, s => Assert.Null(s.Error));
        }
    }
}
