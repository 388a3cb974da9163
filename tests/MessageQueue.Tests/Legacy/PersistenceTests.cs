using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Legacy;

/// <summary>The store survives restarts of the real gateway process: graceful ones and SIGKILL.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task UpdatesAndRegistrationsSurviveAGracefulRestart()
    {
        using var data = new TempDirectory();
        await using (var first = await GatewayProcess.StartAsync(data.Path))
        {
            using var peer = new LegacyPeer(first.ReplyEndpoint);
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "before restart 1" }));
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "before restart 2" }));
            Assert.Contains("isSuccess", peer.Request(new { type = "2", subject = "React", email = "kept@example.com" }), StringComparison.Ordinal);
            await first.StopAsync();
            Assert.Equal(0, first.ExitCode);
        }

        await using var second = await GatewayProcess.StartAsync(data.Path);
        using var again = new LegacyPeer(second.ReplyEndpoint);
        Assert.Equal("isSuccess", again.Request(new { type = "3", subject = "React", updateMessage = "after restart" }));
        var content = LegacyProtocolTests.ContentOf(again.Request(new { type = "2", subject = "React", email = "other@example.com" }));
        Assert.EndsWith("\nbefore restart 1\nbefore restart 2\nafter restart", content, StringComparison.Ordinal);

        // The registration made before the restart is still there: removing it succeeds once.
        Assert.Equal("isSuccess", again.Request(new { type = "4", subject = "React", email = "kept@example.com" }));
    }

    [Fact]
    public async Task EveryAcknowledgedUpdateSurvivesSigkill()
    {
        using var data = new TempDirectory();
        var acknowledged = new List<string>();
        await using (var doomed = await GatewayProcess.StartAsync(data.Path))
        {
            using var peer = new LegacyPeer(doomed.ReplyEndpoint);
            for (var i = 0; i < 50; i++)
            {
                var text = $"acked {i}";
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = text }));
                acknowledged.Add(text);
            }
            // DisposeAsync kills the process tree without warning: no graceful shutdown, no flush.
        }

        await using var revived = await GatewayProcess.StartAsync(data.Path);
        using var reader = new LegacyPeer(revived.ReplyEndpoint);
        var content = LegacyProtocolTests.ContentOf(reader.Request(new { type = "2", subject = "Django", email = "a@b.com" }));
        Assert.EndsWith("\n" + string.Join('\n', acknowledged), content, StringComparison.Ordinal);
    }
}
