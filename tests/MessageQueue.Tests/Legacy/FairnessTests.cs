using System.Text;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Tests.Legacy;

public sealed class FairnessTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public FairnessTests(GatewayFactory gateway) => _gateway = gateway;

    [Fact]
    public void AStalledStoreWriteDoesNotHoldUpOtherClients()
    {
        // Another connection takes SQLite's write lock, so the gateway's next commit waits on the disk side.
        using var blocker = new SqliteConnection($"Data Source={Path.Combine(_gateway.DataDirectory, "messagequeue.db")}");
        blocker.Open();
        using var lockStore = blocker.CreateCommand();
        lockStore.CommandText = "BEGIN IMMEDIATE;";
        lockStore.ExecuteNonQuery();

        using var writer = new RequestSocket();
        writer.Options.Linger = TimeSpan.Zero;
        writer.Connect(_gateway.Zmq.ReplyEndpoint);
        writer.SendFrame("{\"type\":\"3\",\"subject\":\"React\",\"updateMessage\":\"waits for the disk\"}");

        // While that write is stuck, every other client is still answered.
        using var reader = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
        for (var i = 0; i < 20; i++)
            Assert.Equal("[SpringBoot] [NodeJs] [React] [Django]", reader.Request(new { type = "1" }));
        Assert.False(writer.TryReceiveFrameBytes(TimeSpan.Zero, out _), "the stalled write was answered before the store was free");

        using var unlock = blocker.CreateCommand();
        unlock.CommandText = "ROLLBACK;";
        unlock.ExecuteNonQuery();

        Assert.True(writer.TryReceiveFrameBytes(LegacyPeer.Timeout, out var reply));
        Assert.Equal("isSuccess", Encoding.UTF8.GetString(reply!));
    }
}
