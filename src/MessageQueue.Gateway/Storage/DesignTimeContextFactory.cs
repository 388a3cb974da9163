using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MessageQueue.Gateway.Storage;

/// <summary>Lets `dotnet ef migrations add` build SQLite's model without starting the gateway.</summary>
internal sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<SqliteStoreContext>
{
    public SqliteStoreContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteStoreContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>The same for PostgreSQL's migrations (`--context PostgreSqlStoreContext`); no server is needed to add one.</summary>
internal sealed class PostgreSqlDesignTimeContextFactory : IDesignTimeDbContextFactory<PostgreSqlStoreContext>
{
    public PostgreSqlStoreContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlStoreContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
