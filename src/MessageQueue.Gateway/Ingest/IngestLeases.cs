using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// With several instances on one PostgreSQL store, gives each <c>sub</c> source to one instance at a time, so a
/// published message is stored once: the instance holding a source's session advisory lock reads it, the others stand
/// by. One connection of its own per instance holds the locks; PostgreSQL releases them when that session ends (the
/// instance stopped, died, or lost the server), and every <c>Ingest:LeaseIntervalMilliseconds</c> each instance tries
/// to take the sources it does not read, so another takes over within about one interval.
/// </summary>
/// <remarks>
/// Between round trips the loop waits on the connection, so a session the server ends is noticed at once; the round
/// trip that tries the free sources proves the connection alive to a holder. When either fails, every lease is taken
/// for lost at once (the sources stop reading), the connection is dropped, and the next interval starts over.
/// SQLite serves one instance: nothing is leased there, and <c>pull</c> sources never are (each instance binds its own).
/// Redis could lease too, but several instances need PostgreSQL anyway, and its locks end with the session by themselves.
/// </remarks>
internal sealed partial class IngestLeases(
    IDbContextFactory<MessageQueueDbContext> contextFactory,
    IOptions<StoreOptions> storeOptions,
    IOptions<IngestOptions> options,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<IngestLeases> logger) : IDisposable
{
    /// <summary>The class id of every ingest lease, "MQIn" in ASCII: the two-key advisory locks never meet the migration's one-key lock.</summary>
    internal const int ClassId = 0x4D51496E;

    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;
    private NpgsqlConnection? _connection;
    private long _taken;
    private volatile string? _problem;

    /// <summary>True when <c>sub</c> sources are leased: the store is PostgreSQL, which several instances may share.</summary>
    public bool Enabled => storeOptions.Value.Provider == StoreProvider.PostgreSql;

    /// <summary>Why this instance cannot take or keep leases now (its lease connection fails); null while it can.</summary>
    public string? Problem => _problem;

    /// <summary>Leases this instance has taken since it started (also counted on /metrics).</summary>
    public long Taken => Interlocked.Read(ref _taken);

    /// <summary>The lock key of a source: a stable hash of its name (two names sharing one would only go to the same instance).</summary>
    internal static int Key(string source) => BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(source)));

    /// <summary>Starts taking and keeping the leases of <paramref name="sources"/>' leased ones (once their host runs).</summary>
    public void Start(IReadOnlyList<IngestSource> sources)
    {
        var leased = sources.Where(s => s.IsLeased).ToArray();
        if (leased.Length > 0)
            _running = Task.Run(() => RunAsync(leased, _stopping.Token));
    }

    /// <summary>Stops trying and releases every lease (its session ends), after the sources have stopped reading.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(IngestSource[] sources, CancellationToken stopping)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.LeaseIntervalMilliseconds);
        var held = new bool[sources.Length];
        var keys = sources.Select(s => Key(s.Name)).ToArray();
        var first = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var taken = await TryTakeAsync(keys, held, interval, stopping).ConfigureAwait(false);
                foreach (var i in taken)
                {
                    held[i] = true;
                    sources[i].LeaseTaken();
                    Interlocked.Increment(ref _taken);
                    metrics.IngestLeaseTaken(GatewayMetrics.SourceTag(sources[i].Name));
                    Log.Taken(logger, sources[i].Name);
                }
                if (first)
                {
                    foreach (var i in Enumerable.Range(0, sources.Length).Where(i => !held[i]))
                        Log.StandingBy(logger, sources[i].Name);
                }
                first = false;
                _problem = null;
                // Waiting on the connection itself, not a timer: a session the server ends (terminated, its idle
                // timeout, a restart) is known at once, not at the next round trip, so this instance stops reading
                // about when another may take over.
                await _connection!.WaitAsync(interval, stopping).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                await LoseAllAsync(sources, held, e, interval).ConfigureAwait(false);
            }
            try
            {
                await Task.Delay(interval, time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Whatever failed, this instance cannot know it still holds the locks: another may take them now.</summary>
    private async Task LoseAllAsync(IngestSource[] sources, bool[] held, Exception e, TimeSpan interval)
    {
        var problem = e is PostgresException postgres ? $"{postgres.SqlState}: {postgres.MessageText}" : $"{e.GetType().Name}: {e.Message}";
        for (var i = 0; i < sources.Length; i++)
        {
            if (!held[i])
                continue;
            held[i] = false;
            sources[i].LeaseLost();
            Log.Lost(logger, sources[i].Name, problem);
        }
        if (_problem is null)
            Log.ConnectionFailed(logger, problem, (int)interval.TotalMilliseconds);
        _problem = problem;
        await CloseAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// One round trip: tries the locks of the sources not held (none proves the session alive all the same).
    /// Returns the indexes of the sources taken.
    /// </summary>
    private async Task<List<int>> TryTakeAsync(int[] keys, bool[] held, TimeSpan interval, CancellationToken stopping)
    {
        var connection = _connection ??= await OpenAsync(interval, stopping).ConfigureAwait(false);
        var wanted = Enumerable.Range(0, keys.Length).Where(i => !held[i]).ToArray();
        await using var command = new NpgsqlCommand(
            "SELECT t.i, pg_try_advisory_lock(@class, t.k) FROM unnest(@keys) WITH ORDINALITY AS t(k, i) ORDER BY t.i", connection);
        command.Parameters.AddWithValue("class", ClassId);
        command.Parameters.AddWithValue("keys", wanted.Select(i => keys[i]).ToArray());
        command.CommandTimeout = Seconds(2 * interval);
        var taken = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(stopping).ConfigureAwait(false);
        while (await reader.ReadAsync(stopping).ConfigureAwait(false))
        {
            if (reader.GetBoolean(1))
                taken.Add(wanted[reader.GetInt64(0) - 1]);
        }
        return taken;
    }

    /// <summary>
    /// A connection of its own, unpooled: closing it ends the session, and with it every lease. Where the server can,
    /// it ends the session too when this instance goes quiet (its machine gone without closing the socket), so the
    /// leases do not wait for TCP to notice.
    /// </summary>
    private async Task<NpgsqlConnection> OpenAsync(TimeSpan interval, CancellationToken stopping)
    {
        string connectionString;
        await using (var db = await contextFactory.CreateDbContextAsync(stopping).ConfigureAwait(false))
            connectionString = db.Database.GetConnectionString()!;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = Seconds(2 * interval) };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(stopping).ConfigureAwait(false);
            if (connection.PostgreSqlVersion.Major >= 14)
            {
                await using var quiet = new NpgsqlCommand("SELECT set_config('idle_session_timeout', @timeout, false)", connection);
                quiet.Parameters.AddWithValue("timeout", $"{(long)IdleSessionTimeout(interval).TotalMilliseconds}");
                await quiet.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Five intervals without a word from this instance, at least 10 s: a busy machine's late tick does not lose its leases.</summary>
    internal static TimeSpan IdleSessionTimeout(TimeSpan interval) => TimeSpan.FromTicks(Math.Max(5 * interval.Ticks, TimeSpan.FromSeconds(10).Ticks));

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));

    private async Task CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _connection?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(9030, LogLevel.Information, "Ingest source {Source} leased: this instance reads it now")]
        public static partial void Taken(ILogger logger, string source);

        [LoggerMessage(9031, LogLevel.Warning, "Ingest source {Source} lease lost ({Problem}): this instance stopped reading it; another instance takes it over")]
        public static partial void Lost(ILogger logger, string source, string problem);

        [LoggerMessage(9032, LogLevel.Warning, "Ingest leases: the PostgreSQL connection failed ({Problem}); this instance reads no sub source until it is back (tried again every {IntervalMilliseconds} ms)")]
        public static partial void ConnectionFailed(ILogger logger, string problem, int intervalMilliseconds);

        [LoggerMessage(9033, LogLevel.Information, "Ingest source {Source} is read by another instance: this one stands by, and takes it over if that one goes")]
        public static partial void StandingBy(ILogger logger, string source);
    }
}
