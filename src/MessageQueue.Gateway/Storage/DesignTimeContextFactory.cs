using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MessageQueue.Gateway.Storage;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the gateway.</summary>
internal sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<MessageQueueDbContext>
{
    public MessageQueueDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MessageQueueDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
