using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Storage;

/// <summary>A store written by an earlier version opens in this one with everything it held.</summary>
public sealed class MigrationTests
{
    /// <summary>The last migration of the version before origins and idempotency keys.</summary>
    private const string BeforeOrigins = "20261203100858_DeliveryClaims";

    /// <summary>The last migration of the version before the subject's row counted its registrations.</summary>
    private const string BeforeRegistrationCounts = "20261203115654_OriginsAndIdempotencyKeys";

    [Fact]
    public async Task AStoreFromBeforeOriginsKeepsItsHistoryWithEachUpdatesDoorAndNumbersOnFromIt()
    {
        using var data = new TempDirectory();
        // Rows as that version wrote them: the door enum's names, the subject row's counter at the newest update.
        await PreviousStore.CreateAsync(data.Path, BeforeOrigins,
            """
            INSERT INTO Subjects (Name, InitialContent, LastSequence, CreatedAt, LastUpdatedAt) VALUES ('Legacy', 'first line', 3, {0}, {0});
            INSERT INTO Updates (SubjectId, Sequence, Text, Timestamp, Door) SELECT Id, 1, 'from zmq', {0}, 'Zmq' FROM Subjects WHERE Name = 'Legacy';
            INSERT INTO Updates (SubjectId, Sequence, Text, Timestamp, Door) SELECT Id, 2, 'from rest', {0}, 'Rest' FROM Subjects WHERE Name = 'Legacy';
            INSERT INTO Updates (SubjectId, Sequence, Text, Timestamp, Door) SELECT Id, 3, 'from hub', {0}, 'Hub' FROM Subjects WHERE Name = 'Legacy';
            """);

        using var gateway = new GatewayFactory(data.Path);
        using var http = gateway.CreateClient();
        var posted = await http.PostAsJsonAsync("/api/subjects/Legacy/updates", new { text = "after the upgrade" });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        var history = await http.GetFromJsonAsync<HistoryPageResource>("/api/subjects/Legacy/updates?limit=10", HubPeerJson.Options);
        Assert.Equal(
            [(1L, "from zmq", "zmq"), (2L, "from rest", "rest"), (3L, "from hub", "hub"), (4L, "after the upgrade", "rest")],
            history!.Updates.Select(u => (u.Sequence, u.Text, u.Door)));
        var subject = await ApiAssert.Json(await http.GetAsync("/api/subjects/Legacy"), HttpStatusCode.OK);
        Assert.Equal("first line\nfrom zmq\nfrom rest\nfrom hub\nafter the upgrade", subject.GetProperty("content").GetString());
    }

    [Fact]
    public async Task AStoreFromBeforeRegistrationCountsCountsEachSubjectsRegistrationsAndMailsThemOnTheNextUpdate()
    {
        using var data = new TempDirectory();
        await PreviousStore.CreateAsync(data.Path, BeforeRegistrationCounts,
            """
            INSERT INTO Subjects (Name, InitialContent, LastSequence, CreatedAt) VALUES ('Counted', 'first line', 0, {0});
            INSERT INTO Subscriptions (SubjectId, Email, NormalizedEmail, CreatedAt, ConfirmedAt) SELECT Id, 'Ann@example.com', 'ann@example.com', {0}, {0} FROM Subjects WHERE Name = 'Counted';
            INSERT INTO Subscriptions (SubjectId, Email, NormalizedEmail, CreatedAt, ConfirmedAt) SELECT Id, 'bob@example.com', 'bob@example.com', {0}, {0} FROM Subjects WHERE Name = 'Counted';
            INSERT INTO Subscriptions (SubjectId, Email, NormalizedEmail, CreatedAt, ConfirmedAt) SELECT Id, 'cy@example.com', 'cy@example.com', {0}, {0} FROM Subjects WHERE Name = 'React';
            """);

        using var gateway = new GatewayFactory(data.Path);
        using var http = gateway.CreateClient();
        var counted = await ApiAssert.Json(await http.GetAsync("/api/subjects/Counted"), HttpStatusCode.OK);
        Assert.Equal(2, counted.GetProperty("emailCount").GetInt32());
        var react = await ApiAssert.Json(await http.GetAsync("/api/subjects/React"), HttpStatusCode.OK);
        Assert.Equal(1, react.GetProperty("emailCount").GetInt32());

        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/subjects/Counted/updates", new { text = "after the upgrade" })).StatusCode);
        var mail = Path.Combine(data.Path, "mail");
        await Poll.UntilAsync(() => Directory.Exists(mail) && Directory.GetFiles(mail, "*.eml").Length == 2,
            () => $"expected a mail to each of the two registrations; found {(Directory.Exists(mail) ? Directory.GetFiles(mail, "*.eml").Length : 0)}");
    }
}
