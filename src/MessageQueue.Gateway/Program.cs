using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Email;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Hosting;
using MessageQueue.Gateway.Ingest;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Gateway.ScaleOut;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using NetMQ;

var builder = WebApplication.CreateBuilder(args);
builder.ListenOnDefaultUrlsUnlessConfigured();

// Core: the fan-out path, the durable store (and the relay between instances sharing it) and the application
// service every door calls.
// Order matters: hosted services start in this order and stop in reverse.
builder.AddFanout();
builder.AddStore();
builder.AddScaleOut();
builder.AddSubjects();

// Health probes, metrics for Prometheus, request counts per door (first, so they count what the doors refuse too).
builder.AddOperations();

// The open-files limit raised and shared between the doors as connection caps; Kestrel's idle timeouts.
builder.AddConnectionBudget();

// Who may change what over HTTP and the hub; protected mode keeps doors without credentials on loopback.
builder.AddSecurity();

// Doors.
builder.AddLegacyZmqDoor();
builder.AddHttpApi();
builder.AddRealtime();

// ZeroMQ services feeding updates (after the legacy door: its PUB endpoint must be known, to refuse a loop).
builder.AddIngest();

// Email notifications, drained from the outbox in the background.
builder.AddEmail();

WebApplication app;
try
{
    app = builder.Build();

    app.UseRequestCounting();
    app.UseProblemDetailsForErrors();
    app.UseSecurity();
    app.UseDashboardFiles();
    app.MapHttpApi();
    app.MapRealtime();
    app.MapEmailApi();
    app.MapOperations();
}
catch (Exception failure) when (OwnsTheProcess() && StartupFailure.Describe(failure, builder.Configuration) is { } message)
{
    // Building the host and its pipeline reads some settings (the connection caps, the hub's buffers): a refusal
    // there ends the same way as one at start.
    Console.Error.WriteLine($"The gateway did not start: {message}");
    return 78; // EX_CONFIG
}

var configuration = app.Configuration; // Run disposes the host's services when start-up fails; the failure handler still reads it
try
{
    app.Run();
}
catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // Asked to stop (SIGTERM, Ctrl+C) while still starting: that is a stop, not a crash.
}
catch (Exception failure) when (OwnsTheProcess() && StartupFailure.Describe(failure, configuration) is { } message)
{
    // A setting that cannot work (protected mode's refusal included), a port in use, a folder that cannot be written:
    // say which setting and what to do, without a stack trace. (A test host lets the exception through: it is how
    // the test sees the refusal.)
    Console.Error.WriteLine($"The gateway did not start: {message}");
    Environment.ExitCode = 78; // EX_CONFIG
}

// NetMQ's context is process-wide: end it once every socket is closed, but only when this program owns the
// process (a test host runs several gateways in one process and stops them one by one).
if (OwnsTheProcess())
    NetMQConfig.Cleanup(block: false);
return Environment.ExitCode;

static bool OwnsTheProcess() => System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly;

/// <summary>The gateway's entry point; public so tests can host it.</summary>
public partial class Program;
