using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Subjects;

public sealed class StoreSchemaTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public StoreSchemaTests(GatewayFactory gateway) => _gateway = gateway;

    [Fact]
    public void MigrationsMatchTheModel()
    {
        using var db = _gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContext();

        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a migration: run dotnet ef migrations add.");
        Assert.Empty(db.Database.GetPendingMigrations());
    }

    [Fact]
    public void PostgreSqlMigrationsMatchTheModel()
    {
        // No server needed: the model is compared with PostgreSQL's own migrations' snapshot.
        using var db = new PostgreSqlStoreContext(new DbContextOptionsBuilder<PostgreSqlStoreContext>().UseNpgsql("Host=127.0.0.1").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a PostgreSQL migration: run dotnet ef migrations add --context PostgreSqlStoreContext.");
    }

    [Fact]
    public void FirstStartSeedsTheFourDefaultSubjectsInWalMode()
    {
        using var db = _gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContext();

        Assert.Equal(["SpringBoot", "NodeJs", "React", "Django"], db.Subjects.OrderBy(s => s.Id).Select(s => s.Name).ToArray());
        Assert.Equal("wal", db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").AsEnumerable().Single());

        // FULL (2): in WAL mode every commit is flushed to disk before a door reports success.
        Assert.Equal(2, db.Database.SqlQueryRaw<int>("PRAGMA synchronous").AsEnumerable().Single());
    }

    [Fact]
    public void EveryConnectionWaitsInsideSqliteForALockedStore()
    {
        using var db = _gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContext();

        // The email sender writes on connections of its own: the writer must not fall back to 150 ms retry sleeps.
        Assert.Equal(30_000, db.Database.SqlQueryRaw<int>("PRAGMA busy_timeout").AsEnumerable().Single());
    }
}
