using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MessageQueue.Benchmarks;

/// <summary>The outbox's state as GET /api/email/outbox gives it.</summary>
internal sealed record OutboxState(int AwaitingExpansion, int Pending, int Retrying, int Sent, int Parked)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"awaitingExpansion {AwaitingExpansion}, pending {Pending}, retrying {Retrying}, sent {Sent}, parked {Parked}");
}

/// <summary>What the email group measured.</summary>
internal sealed record EmailResult(
    int Addresses,
    double RegistrationSeconds,
    Latency QuietReply,
    Latency BusyReply,
    OutboxState AfterBusy,
    double GatewayMailsPerSecond,
    double GatewaySeconds,
    OutboxState AfterFanout,
    double MailKitMailsPerSecond,
    double MailKitSeconds,
    int MailKitMails,
    long MailBytes);

/// <summary>
/// The email outbox on the gateway: an update's acknowledged reply on a subject with no registered address against
/// one with many confirmed addresses (publishing must not wait for SMTP), and how fast the background sender gets
/// one update's mails to a local SMTP sink, against a plain MailKit loop on one connection to the same kind of sink.
/// </summary>
internal static class EmailScenarios
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(5);
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
    private const int RegisteringClients = 8;
    private const int WarmupAddresses = 200;

    // Subjects: updates on the quiet one mail nobody; the busy one has every address; the warm-up one warms the sender.
    private static string Quiet => LegacyFrames.Subjects[0];
    private static string Busy => LegacyFrames.Subjects[1];
    private static string Warmup => LegacyFrames.Subjects[2];

    public static void WriteSetup(BenchmarkOptions options) =>
        Console.WriteLine(Invariant($"- email: one gateway with Email__ConfirmSubscriptions=false, Email__SeenGraceSeconds=0 and Smtp at an in-process SMTP sink (127.0.0.1, no TLS, no extensions, counts messages); {options.EmailAddresses:N0} addresses registered over REST ({RegisteringClients} clients) on '{Busy}', {WarmupAddresses} on '{Warmup}' (one update there warms the sender); mails/s = {options.EmailAddresses:N0} / (REST update on '{Busy}' to the sink's last message); then REST update replies, one client, one at a time, {options.FanoutWarmupUpdates} warm-up and {options.FanoutUpdates} measured on '{Quiet}' (no address), then {options.FanoutUpdates} on '{Busy}' (collected into each address's next mail, Email:MinIntervalSeconds after the first: the sender composes meanwhile); baseline: MailKit SmtpClient, one connection, the same {options.EmailAddresses:N0} times the first mail the gateway sent, to a fresh sink after the gateway is stopped"));

    public static EmailResult Run(BenchmarkOptions options)
    {
        var (result, sample) = MeasureGateway(options);
        // After the gateway (still sending the busy updates' mails) has been stopped.
        var (mailKitSeconds, mailKitBytes) = MailKitLoop(sample, result.Addresses);
        Console.WriteLine(Invariant($"  {"email: MailKit loop, one connection",-36} {"mailkit",-8} {result.Addresses / mailKitSeconds,9:N0} mails/s  ({result.Addresses:N0} mails of {mailKitBytes:N0} bytes in {mailKitSeconds:0.00} s)"));
        return result with { MailKitMailsPerSecond = result.Addresses / mailKitSeconds, MailKitSeconds = mailKitSeconds, MailKitMails = result.Addresses };
    }

    private static (EmailResult Result, byte[] Sample) MeasureGateway(BenchmarkOptions options)
    {
        var addresses = options.EmailAddresses;
        using (var sink = new SmtpSink())
        {
            var settings = new Dictionary<string, string>
            {
                ["Email__ConfirmSubscriptions"] = "false",
                // The seen-live grace is a fixed wait before the first mail, not sending: mails/s measures sending.
                ["Email__SeenGraceSeconds"] = "0",
                ["Smtp__Host"] = "127.0.0.1",
                ["Smtp__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
                ["Smtp__Security"] = "None",
            };
            foreach (var (key, value) in options.GatewayEnvironment)
                settings[key] = value;
            using var gateway = ServerLauncher.StartHttp(ServerKind.Gateway, options with { GatewayEnvironment = settings });
            // The store's path without changing content (no mail: registrations are active at once).
            RequestLoad.Settle(gateway, LoadChannels.Rest(gateway, RestWorkloads.EmailChurn), BenchmarkRun.SettlingClients, options);
            using var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);

            var registering = Stopwatch.StartNew();
            Register(gateway, Busy, addresses, "r");
            Register(gateway, Warmup, WarmupAddresses, "w");
            var registrationSeconds = registering.Elapsed.TotalSeconds;
            Console.WriteLine(Invariant($"  {"email: registered",-36} {gateway.Name,-8} {addresses + WarmupAddresses:N0} addresses in {registrationSeconds:0.0} s"));

            // Warm the sender (expansion, MailKit, the store's marking) with a smaller fan-out first.
            var before = sink.Messages;
            Post(http, Warmup, "w0", gateway);
            if (!sink.WaitFor(before + WarmupAddresses, DeliveryTimeout))
                throw new TimeoutException($"The sink got {sink.Messages - before} of {WarmupAddresses} warm-up mails from {gateway.Name} (outbox: {Outbox(http)}).");

            // Each delivery is marked sent just after the sink accepted it: wait for the warm-up's marks first.
            var sentBefore = WaitSent(http, WarmupAddresses).Sent;
            before = sink.Messages;
            var bytesBefore = sink.Bytes;
            var postedAt = Stopwatch.GetTimestamp();
            Post(http, Busy, "f0", gateway);
            if (!sink.WaitFor(before + addresses, DeliveryTimeout))
                throw new TimeoutException($"The sink got {sink.Messages - before} of {addresses} mails from {gateway.Name} within {DeliveryTimeout.TotalSeconds} s (outbox: {Outbox(http)}).");
            var gatewaySeconds = (double)(sink.LastAt - postedAt) / Stopwatch.Frequency;
            var mailBytes = (sink.Bytes - bytesBefore) / addresses;
            var afterFanout = WaitSent(http, sentBefore + addresses);
            Console.WriteLine(Invariant($"  {"email: mails to SMTP sink",-36} {gateway.Name,-8} {addresses / gatewaySeconds,9:N0} mails/s  ({addresses:N0} mails of about {mailBytes:N0} bytes in {gatewaySeconds:0.00} s; outbox {afterFanout})"));

            for (var i = 0; i < options.FanoutWarmupUpdates; i++)
                Post(http, Quiet, $"q{i}", gateway);
            var quiet = TimeReplies(http, Quiet, "m", options.FanoutUpdates, gateway);
            var busy = TimeReplies(http, Busy, "m", options.FanoutUpdates, gateway);
            var afterBusy = Outbox(http);
            foreach (var (name, latency) in new[] { ("email: update reply, no address", quiet), (Invariant($"email: update reply, {addresses:N0} addr."), busy) })
                Console.WriteLine(Invariant($"  {name,-36} {gateway.Name,-8} p50 {latency.P50Ms:0.000} ms  p99 {latency.P99Ms:0.000} ms  max {latency.MaxMs:0.000} ms  ({latency.Samples} updates)"));
            Console.WriteLine($"  {"email: outbox after the busy updates",-36} {gateway.Name,-8} {afterBusy}");

            var sample = sink.Sample ?? throw new InvalidOperationException("The SMTP sink kept no sample mail.");
            return (new EmailResult(addresses, registrationSeconds, quiet, busy, afterBusy, addresses / gatewaySeconds, gatewaySeconds, afterFanout, 0, 0, 0, mailBytes), sample);
        }
    }

    /// <summary>Registers <paramref name="count"/> addresses on a subject over REST, several clients at once.</summary>
    internal static void Register(ServerProcess gateway, string subject, int count, string prefix)
    {
        var next = -1;
        Exception? failure = null;
        var threads = Enumerable.Range(0, RegisteringClients).Select(_ => new Thread(() =>
        {
            try
            {
                RegisterSome();
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException)
            {
                Interlocked.CompareExchange(ref failure, ex, null);
                Interlocked.Exchange(ref next, count);
            }
        })
        { IsBackground = true }).ToList();

        void RegisterSome()
        {
            using var client = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"{RestWorkloads.SubjectsPath}/{subject}/subscriptions")
                {
                    Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { email = $"{prefix}{i}@example.com" })) { Headers = { ContentType = new("application/json") } },
                };
                using var response = client.Send(request);
                var body = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8).ReadToEnd();
                if (response.StatusCode != HttpStatusCode.Created || !body.Contains("\"confirmed\":true", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{gateway.Name} did not register {prefix}{i}@example.com as confirmed: {(int)response.StatusCode} {body}");
            }
        }
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        if (failure is not null)
            throw new InvalidOperationException(failure.Message, failure);
    }

    private static Latency TimeReplies(HttpClient http, string subject, string prefix, int count, ServerProcess gateway)
    {
        var ticks = new long[count];
        for (var i = 0; i < count; i++)
        {
            var update = RestWorkloads.Update(subject, $"{prefix}{i}");
            using var request = update.ToRequest();
            var sentAt = Stopwatch.GetTimestamp();
            using var response = http.Send(request);
            ticks[i] = Stopwatch.GetTimestamp() - sentAt;
            if (update.Check(response) is { } wrong)
                throw new InvalidOperationException($"{gateway.Name} refused REST update {update.Path}: {wrong}");
        }
        return Latency.FromTicks(ticks);
    }

    internal static void Post(HttpClient http, string subject, string text, ServerProcess gateway)
    {
        var update = RestWorkloads.Update(subject, text);
        using var request = update.ToRequest();
        using var response = http.Send(request);
        if (update.Check(response) is { } wrong)
            throw new InvalidOperationException($"{gateway.Name} refused REST update {update.Path}: {wrong}");
    }

    internal static OutboxState Outbox(HttpClient http)
    {
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, "/api/email/outbox"));
        response.EnsureSuccessStatusCode();
        return JsonSerializer.Deserialize<OutboxState>(response.Content.ReadAsStream(), WebJson)
            ?? throw new InvalidOperationException("The outbox answered null.");
    }

    /// <summary>The sink has every mail; the sender marks each sent just after the server accepts it, so this is brief.</summary>
    private static OutboxState WaitSent(HttpClient http, int sent)
    {
        var waiting = Stopwatch.StartNew();
        OutboxState state;
        while ((state = Outbox(http)).Sent < sent && waiting.Elapsed < Timeout)
        {
            // Polled: the outbox has no change notification.
        }
        return state;
    }

    /// <summary>The same mail sent <paramref name="count"/> times with MailKit over one connection to a fresh sink.</summary>
    private static (double Seconds, long Bytes) MailKitLoop(byte[] sample, int count)
    {
        using var sink = new SmtpSink();
        var message = MimeMessage.Load(new MemoryStream(sample));
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        client.Connect("127.0.0.1", sink.Port, SecureSocketOptions.None);
        // Warm-up, as the gateway's sender was warmed.
        for (var i = 0; i < WarmupAddresses; i++)
            client.Send(message);
        var before = sink.Messages;
        var bytesBefore = sink.Bytes;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
            client.Send(message);
        if (!sink.WaitFor(before + count, Timeout))
            throw new TimeoutException($"The sink got {sink.Messages - before} of {count} MailKit mails.");
        var seconds = (double)(sink.LastAt - started) / Stopwatch.Frequency;
        client.Disconnect(quit: true);
        return (seconds, (sink.Bytes - bytesBefore) / count);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
