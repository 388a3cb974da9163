using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Subjects;

/// <summary>The change stream: every door sees a commit's changes in the order the commit made them.</summary>
public abstract class ChangeStreamContract(StoreProvider store)
{
    [Fact]
    public async Task UpdatesAcknowledgedInTheCommitThatDeletesTheirSubjectReachEveryDoorBeforeTheDeletion()
    {
        using var gateway = new GatewayFactory(null, store: store);
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, name);
        subscriber.WaitUntilJoined(peer, name);
        await using var browser = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await browser.SubscribeAsync(name);
        await using var stream = await EventStreamClient.OpenAsync(http, $"/api/subjects/{name}/events");

        var subjects = gateway.Services.GetRequiredService<SubjectService>();
        var writer = gateway.Services.GetRequiredService<StoreWriter>();
        var posts = new List<Task<SubjectResult<SubjectUpdate>>>();
        Task<SubjectResult<SubjectSnapshot>> deletion;
        await using (var holder = new SqliteConnection($"Data Source={Path.Combine(gateway.DataDirectory, "messagequeue.db")}"))
        {
            // Holding the database's write lock keeps the writer on its first commit, so that what follows queues
            // behind it and is committed together: three updates and the deletion of their subject.
            await holder.OpenAsync();
            using var locking = holder.BeginTransaction(deferred: false);
            posts.Add(subjects.PostUpdateAsync(name, "alone", Origins.Rest));
            await Poll.UntilAsync(() => writer.QueuedChanges == 0, () => "The writer never took the first update.");
            for (var i = 1; i <= 3; i++)
                posts.Add(subjects.PostUpdateAsync(name, $"deleted with it {i}", Origins.Rest));
            deletion = subjects.DeleteSubjectAsync(name);
            locking.Rollback();
        }

        var acknowledged = (await Task.WhenAll(posts)).Select(r => r.Value ?? throw new InvalidOperationException(r.Error!.Message)).ToList();
        Assert.Null((await deletion).Error);

        foreach (var update in acknowledged)
        {
            Assert.Equal(update.Sequence, (await browser.NextUpdateAsync()).Sequence);
            Assert.Equal(update.Sequence, (await stream.NextAsync()).Sequence);
            Assert.EndsWith("\n" + update.Text, subscriber.Receive(), StringComparison.Ordinal);
        }
        Assert.Equal(name, await browser.NextDeletedAsync());
        Assert.Equal("deleted", (await stream.NextAsync()).Event);
        Assert.True(await stream.EndsAsync());
    }
}

public sealed class ChangeStreamTests() : ChangeStreamContract(StoreProvider.Sqlite);

/// <summary>The same on PostgreSQL.</summary>
public sealed class ChangeStreamOnPostgreSqlTests() : ChangeStreamContract(StoreProvider.PostgreSql);
