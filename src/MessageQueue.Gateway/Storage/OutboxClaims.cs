using System.Data.Common;
using System.Globalization;
using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The email sender's own work on the outbox, on a connection of its own, never through the store writer's queue.
/// The contract, for any provider:
/// <list type="bullet">
/// <item>Expanding takes one notification that is not expanded yet, marks it and creates its deliveries in one
/// transaction: two senders never expand the same one.</item>
/// <item>Composing turns what registrations have not been mailed yet into deliveries and moves their cursor, in one
/// transaction: two senders never report an update twice.</item>
/// <item>Claiming gives up to n due deliveries that nobody holds (or whose lease has run out) to one owner until an
/// expiry, in one statement: two claims never overlap.</item>
/// <item>Renewing, recording and releasing change only rows the owner still holds: a sender whose lease ran out and
/// was taken over changes nothing.</item>
/// </list>
/// SQLite runs one writer at a time, so an UPDATE ... WHERE Id IN (SELECT ... LIMIT n) is atomic as it stands;
/// PostgreSQL takes FOR UPDATE SKIP LOCKED in the inner SELECT for the same: a row another sender's statement is
/// taking is skipped, not waited for nor taken twice. Identifiers are quoted for PostgreSQL.
/// </summary>
internal sealed class OutboxClaims(IDbContextFactory<MessageQueueDbContext> contextFactory)
{
    /// <summary>How long a statement waits for the store's write lock (SQLite's busy timeout, see <see cref="SqliteBusyTimeout"/>, then Microsoft.Data.Sqlite's retries).</summary>
    private const int BusyTimeoutSeconds = 30;

    private Converters? _converters;

    /// <summary>Expands the oldest waiting notification (a confirmation to send), if any; true when there was one.</summary>
    public async Task<bool> ExpandOneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var c = Convert(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();

        long id;
        NotificationKind kind;
        int subjectId;
        string? email;
        await using (var take = Command(connection,
            """
            UPDATE "Notifications" SET "ExpandedAt" = @now
            WHERE "Id" = (SELECT "Id" FROM "Notifications" WHERE "ExpandedAt" IS NULL ORDER BY "Id" LIMIT 1 {0})
            RETURNING "Id", "Kind", "SubjectId", "Email"
            """,
            ("@now", c.Time.ToProvider(now))))
        await using (var reader = await take.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return false;
            id = reader.GetInt64(0);
            kind = (NotificationKind)c.Kind!.ConvertFromProvider(reader.GetString(1))!;
            subjectId = reader.GetInt32(2);
            email = reader.IsDBNull(3) ? null : reader.GetString(3);
        }

        // An update's row comes from an instance of a version before mails collected updates: the registrations'
        // MailedThrough covers it, so it is only marked.
        if (kind == NotificationKind.Confirmation)
        {
            await using var insert = Command(connection,
                """
                INSERT INTO "Deliveries" ("NotificationId", "SubjectId", "Email", "State", "Attempts", "NextAttemptAt")
                VALUES (@notification, @subject, @email, @state, 0, @now)
                """,
                ("@notification", id), ("@subject", subjectId), ("@email", email ?? ""), ("@state", c.State.ToProvider(DeliveryState.Pending)),
                ("@now", c.Time.ToProvider(now)));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The newest update a mail may report, once per subject, not per registration: the subject's last, or, for a
    /// subject updated within the seen-live grace, the newest update at least the grace old (a walk back through the
    /// subject's index over those few seconds' updates).
    /// </summary>
    private const string MailableThrough =
        """
        WITH "Mailable" AS MATERIALIZED (
            SELECT j."Id", j."LastSequence",
                CASE WHEN @noGrace OR j."LastUpdatedAt" IS NULL OR j."LastUpdatedAt" <= @seenCutoff THEN j."LastSequence" ELSE COALESCE((
                    SELECT u."Sequence" FROM "Updates" AS u
                    WHERE u."SubjectId" = j."Id" AND u."Timestamp" <= @seenCutoff
                    ORDER BY u."Sequence" DESC LIMIT 1), 0) END AS "Seasoned"
            FROM "Subjects" AS j)
        """;

    /// <summary>The registrations ("s", with their subject's "m") whose next mail is due, after <see cref="MailableThrough"/>.</summary>
    private const string DueRegistrations =
        """
        FROM "Subscriptions" AS s JOIN "Mailable" AS m ON m."Id" = s."SubjectId"
        WHERE s."ConfirmedAt" IS NOT NULL AND s."Mode" <> @off
          AND CASE WHEN s."MailEvenWhenSeen" THEN m."LastSequence" ELSE m."Seasoned" END > s."MailedThrough"
          AND (s."NextMailAt" IS NULL OR s."NextMailAt" <= @now)
          AND (s."Mode" <> @digest OR EXISTS (
              SELECT 1 FROM "Updates" AS u
              WHERE u."SubjectId" = s."SubjectId" AND u."Sequence" = s."MailedThrough" + 1 AND u."Timestamp" <= @digestCutoff))
        """;

    /// <summary>
    /// Turns what up to <paramref name="limit"/> registrations have not been mailed yet into one delivery each, for those
    /// whose next mail is due: immediate ones once their interval since the last mail has passed, digests once that has
    /// and their oldest update not mailed is <paramref name="intervals"/>' digest old. A mail reports updates at least
    /// the seen-live grace old (all of them for a registration with MailEvenWhenSeen), so that a browser's word that it
    /// received one comes first. One transaction moves each one's MailedThrough to the last update reported and sets its
    /// next mail's earliest time, so two senders never report an update twice. How many deliveries it made.
    /// </summary>
    public async Task<int> ComposeDueAsync(DateTimeOffset now, int limit, MailIntervals intervals, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var c = Convert(db);
        var connection = db.Database.GetDbConnection();
        (string, object?)[] values =
        [
            ("@now", c.Time.ToProvider(now)), ("@off", c.Mode.ToProvider(MailMode.Off)), ("@digest", c.Mode.ToProvider(MailMode.Digest)),
            ("@digestCutoff", c.Time.ToProvider(now - intervals.Digest)), ("@noGrace", intervals.SeenGrace <= TimeSpan.Zero),
            ("@seenCutoff", c.Time.ToProvider(now - intervals.SeenGrace)),
        ];

        // Looked for first outside any transaction: most rounds find nothing due (each update of a subject with
        // registrations wakes the sender), and on SQLite a write transaction would hold the store writer off the
        // whole while it scans the registrations.
        await using (var anyDue = Command(connection, $"{MailableThrough} SELECT 1 {DueRegistrations} LIMIT 1", values))
        {
            if (await anyDue.ExecuteScalarAsync(cancellationToken) is null)
                return 0;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var due = new List<(int SubjectId, string Email, long Through)>();
        // Sequence numbers follow each other within a subject, so MailedThrough + 1 is the oldest update not mailed.
        await using (var compose = Command(connection,
            $$"""
            {{MailableThrough}}
            INSERT INTO "Deliveries" ("SubjectId", "FirstSequence", "LastSequence", "Email", "State", "Attempts", "NextAttemptAt")
            SELECT s."SubjectId", s."MailedThrough" + 1, CASE WHEN s."MailEvenWhenSeen" THEN m."LastSequence" ELSE m."Seasoned" END,
                s."Email", @pending, 0, @now
            {{DueRegistrations}}
            ORDER BY s."Id" LIMIT @limit {1}
            RETURNING "SubjectId", "Email", "LastSequence"
            """,
            [.. values, ("@pending", c.State.ToProvider(DeliveryState.Pending)), ("@limit", limit)]))
        await using (var reader = await compose.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                due.Add((reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2)));
        }

        await using var advance = Command(connection,
            """
            UPDATE "Subscriptions" SET "MailedThrough" = @through,
                "NextMailAt" = CASE WHEN "Mode" = @digest THEN @digestNext ELSE @immediateNext END
            WHERE "SubjectId" = @subject AND "NormalizedEmail" = @email
            """,
            ("@through", 0L), ("@digest", c.Mode.ToProvider(MailMode.Digest)), ("@digestNext", c.Time.ToProvider(now + intervals.Digest)),
            ("@immediateNext", c.Time.ToProvider(now + intervals.Immediate)), ("@subject", 0), ("@email", ""));
        foreach (var (subjectId, email, through) in due)
        {
            advance.Parameters["@through"].Value = through;
            advance.Parameters["@subject"].Value = subjectId;
            advance.Parameters["@email"].Value = SubjectValidator.NormalizeEmail(email); // the unique index's column: one row, found at once
            await advance.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>
    /// Moves each registration's MailedThrough over updates a browser of its address received, where the range joins what
    /// was already mailed or seen (a gap is never skipped) and the registration does not want mail even so. Ranges of
    /// one registration in ascending order join up one after another. How many marks moved.
    /// </summary>
    public async Task<int> MarkSeenAsync(IEnumerable<SeenRange> ranges, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await using var mark = Command(db.Database.GetDbConnection(),
            """
            UPDATE "Subscriptions" SET "MailedThrough" = @through
            WHERE "SubjectId" = @subject AND "NormalizedEmail" = @email AND NOT "MailEvenWhenSeen"
              AND "MailedThrough" >= @from - 1 AND "MailedThrough" < @through
            """,
            ("@through", 0L), ("@subject", 0), ("@email", ""), ("@from", 0L));
        var moved = 0;
        foreach (var range in ranges.OrderBy(r => r.SubjectId).ThenBy(r => r.Email, StringComparer.Ordinal).ThenBy(r => r.From))
        {
            mark.Parameters["@through"].Value = range.Through;
            mark.Parameters["@subject"].Value = range.SubjectId;
            mark.Parameters["@email"].Value = range.Email;
            mark.Parameters["@from"].Value = range.From;
            moved += await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return moved;
    }

    /// <summary>Claims up to <paramref name="limit"/> due deliveries for <paramref name="owner"/>, oldest first; their ids.</summary>
    public async Task<List<long>> ClaimAsync(string owner, int limit, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var c = Convert(db);
        await using var claim = Command(db.Database.GetDbConnection(),
            """
            UPDATE "Deliveries" SET "LeaseOwner" = @owner, "LeaseExpiresAt" = @until
            WHERE "Id" IN (
                SELECT "Id" FROM "Deliveries"
                WHERE "State" IN (@pending, @unconfirmed) AND "NextAttemptAt" <= @now
                  AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" <= @now)
                ORDER BY "Id" LIMIT @limit {0})
            RETURNING "Id"
            """,
            ("@owner", owner), ("@until", c.Time.ToProvider(now + lease)), ("@pending", c.State.ToProvider(DeliveryState.Pending)),
            ("@unconfirmed", c.State.ToProvider(DeliveryState.Unconfirmed)), ("@now", c.Time.ToProvider(now)), ("@limit", limit));
        var ids = new List<long>();
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            ids.Add(reader.GetInt64(0));
        ids.Sort(); // RETURNING promises no order
        return ids;
    }

    /// <summary>Extends every claim <paramref name="owner"/> still holds; how many.</summary>
    public Task<int> RenewAsync(string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        ExecuteAsync(c => (
            """
            UPDATE "Deliveries" SET "LeaseExpiresAt" = @until
            WHERE "State" IN (@pending, @unconfirmed) AND "LeaseOwner" = @owner
            """,
            [("@until", c.Time.ToProvider(now + lease)), ("@pending", c.State.ToProvider(DeliveryState.Pending)),
                ("@unconfirmed", c.State.ToProvider(DeliveryState.Unconfirmed)), ("@owner", owner)]), cancellationToken);

    /// <summary>Records an attempt's outcome and ends the claim, only if <paramref name="owner"/> still holds it; false when it did not.</summary>
    public async Task<bool> RecordAsync(string owner, DeliveryOutcome outcome, CancellationToken cancellationToken) =>
        await ExecuteAsync(c => (
            """
            UPDATE "Deliveries" SET "State" = @state, "Attempts" = @attempts, "NextAttemptAt" = @next, "LastError" = @error,
                "SentAt" = @sent, "LeaseOwner" = NULL, "LeaseExpiresAt" = NULL
            WHERE "Id" = @delivery AND "LeaseOwner" = @owner
            """,
            [("@state", c.State.ToProvider(outcome.State)), ("@attempts", outcome.Attempts), ("@next", c.Time.ToProvider(outcome.NextAttemptAt)),
                ("@error", outcome.Error), ("@sent", outcome.SentAt is { } sent ? c.Time.ToProvider(sent) : null),
                ("@delivery", outcome.DeliveryId), ("@owner", owner)]), cancellationToken) == 1;

    /// <summary>Gives up every claim <paramref name="owner"/> still holds (a round cut short): another sender may take them at once.</summary>
    public Task<int> ReleaseAsync(string owner, CancellationToken cancellationToken) =>
        ExecuteAsync(c => (
            """
            UPDATE "Deliveries" SET "LeaseOwner" = NULL, "LeaseExpiresAt" = NULL
            WHERE "State" IN (@pending, @unconfirmed) AND "LeaseOwner" = @owner
            """,
            [("@pending", c.State.ToProvider(DeliveryState.Pending)), ("@unconfirmed", c.State.ToProvider(DeliveryState.Unconfirmed)), ("@owner", owner)]),
            cancellationToken);

    private async Task<int> ExecuteAsync(Func<Converters, (string Sql, (string, object?)[] Values)> statement, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var (sql, values) = statement(Convert(db));
        await using var command = Command(db.Database.GetDbConnection(), sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<MessageQueueDbContext> OpenAsync(CancellationToken cancellationToken)
    {
        var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        return db;
    }

    /// <summary>
    /// A statement; "{0}" in its SQL is where PostgreSQL's row locking goes in an inner SELECT that picks rows to take,
    /// "{1}" the same for a SELECT that picks registrations ("s") joined to their subject, which it leaves unlocked.
    /// </summary>
    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] values)
    {
        var command = connection.CreateCommand();
        var postgreSql = connection is NpgsqlConnection;
#pragma warning disable CA2100 // Constant SQL; every value is a parameter.
        command.CommandText = string.Format(CultureInfo.InvariantCulture, sql,
            postgreSql ? "FOR UPDATE SKIP LOCKED" : "", postgreSql ? "FOR UPDATE OF s SKIP LOCKED" : "");
#pragma warning restore CA2100
        command.CommandTimeout = BusyTimeoutSeconds;
        foreach (var (name, value) in values)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>The model's own converters, so the rows read and written here are the ones EF Core reads and writes.</summary>
    private sealed record Converters(ValueConverter? Time, ValueConverter? Kind, ValueConverter? State, ValueConverter? Mode);

    private Converters Convert(MessageQueueDbContext db) => _converters ??= new Converters(
        PreparedSql.Converter<DeliveryEntity>(db, nameof(DeliveryEntity.NextAttemptAt)),
        PreparedSql.Converter<NotificationEntity>(db, nameof(NotificationEntity.Kind)),
        PreparedSql.Converter<DeliveryEntity>(db, nameof(DeliveryEntity.State)),
        PreparedSql.Converter<SubscriptionEntity>(db, nameof(SubscriptionEntity.Mode)));
}

/// <summary>
/// How long a registration waits between two mails, immediate (Email:MinIntervalSeconds) and digest (Email:DigestMinutes),
/// and how old an update must be to be mailed (Email:SeenGraceSeconds).
/// </summary>
internal sealed record MailIntervals(TimeSpan Immediate, TimeSpan Digest, TimeSpan SeenGrace);

/// <summary>Updates <paramref name="From"/> to <paramref name="Through"/> of a subject that a browser of <paramref name="Email"/> (normalized) received.</summary>
internal sealed record SeenRange(int SubjectId, string Email, long From, long Through);
