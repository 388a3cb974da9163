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

    [Fact]
    public async Task MaxAutoPrepareZeroInTheConnectionStringTurnsPreparationOff()
    {
        // A connection pooler in transaction mode (PgBouncer's default) loses a session's prepared statements between
        // transactions: the operator must be able to say no, and 0 is how Npgsql says it.
        using var data = new TempDirectory();
        var connectionString = $"{PostgreSqlServer.Shared.DatabaseFor(data.Path)};Max Auto Prepare=0";
        using var gateway = new GatewayFactory(data.Path, new Dictionary<string, string?> { ["ConnectionStrings:MessageQueue"] = connectionString }, store: StoreProvider.PostgreSql);
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < 3; i++)
            await db.Subjects.Where(s => s.Name == "React").Select(s => s.LastSequence).SingleOrDefaultAsync();

        var prepared = await db.Database.SqlQuery<long>($"SELECT count(*) AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%FROM \"Subjects\"%'").SingleAsync();
        Assert.Equal(0, prepared);
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
