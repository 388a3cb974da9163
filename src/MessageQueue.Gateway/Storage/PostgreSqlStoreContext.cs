using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Storage;

/// <summary>The model on PostgreSQL (migrations in Migrations/PostgreSql); times are timestamptz, stored in UTC.</summary>
public sealed class PostgreSqlStoreContext(DbContextOptions<PostgreSqlStoreContext> options) : MessageQueueDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // The seeded subjects carry their ids, which an identity column does not count: new subjects start after them.
        modelBuilder.Entity<SubjectEntity>().Property(s => s.Id).HasIdentityOptions(startValue: DefaultSubjects.All.Count + 1);
    }
}
