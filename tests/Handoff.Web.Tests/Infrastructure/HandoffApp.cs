using System.Net.Http.Headers;
using Handoff.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Handoff.Web.Tests.Infrastructure;

/// <summary>
/// The real web app on Kestrel over loopback, over a real database of its own: a fresh SQLite file, or a fresh
/// PostgreSQL database on the server named by <c>HANDOFF_TEST_POSTGRES</c> (./test.sh starts one). Nothing is mocked.
/// </summary>
public abstract class HandoffApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    protected HandoffApp() => UseKestrel(0);

    public const string AdminKey = "hk_test_admin_0123456789abcdef0123456789abcdef";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "handoff-tests", Guid.NewGuid().ToString("N"));

    public abstract DatabaseProvider Provider { get; }

    /// <summary>
    /// The app's clock when <see cref="UsesFakeClock"/>: tests move it (<c>Clock.Advance(TimeSpan.FromDays(1))</c>)
    /// to make decay, deadlines and wake dates happen. It starts at the real time so timestamps stay plausible.
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>
    /// The app's <see cref="TimeProvider"/> is <see cref="Clock"/>. Off by default: the HTTP resilience pipeline
    /// (retry delays, timeouts) waits on the app's TimeProvider and would never wake on a clock nobody moves.
    /// Background workers poll on real time and read the business time from the TimeProvider.
    /// </summary>
    public bool UsesFakeClock { get; init; }

    /// <summary>Extra configuration for this app (<c>"Handoff:Section:Key" → value</c>), set before it starts.</summary>
    public Dictionary<string, string> Settings { get; } = [];

    protected abstract string ConnectionString { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient Admin() => WithKey(AdminKey);

    public HttpClient WithKey(string? key)
    {
        StartServer();
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Handoff:DataDirectory", _dataDirectory);
        builder.UseSetting("Handoff:Database:Provider", Provider.ToString());
        builder.UseSetting("ConnectionStrings:Handoff", ConnectionString);
        builder.UseSetting("Handoff:BootstrapApiKey", AdminKey);
        builder.UseSetting("Handoff:SeedDemo", "false");

        // No default service levels: a test that moves the clock by days would otherwise see them breach and escalate.
        builder.UseSetting("Handoff:Sla:SeedDefaults", "false");
        builder.UseSetting("Handoff:Forms:PostsPerMinutePerAddress", FormPostsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (UsesFakeClock)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Clock);
            }

            ConfigureServices(services);
        });
    }

    /// <summary>Replaces or adds services for one kind of test app (a stub provider, a notification sink).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>A scope on the running app's services, for tests that read the database or call a use case directly.</summary>
    public AsyncServiceScope Scope()
    {
        StartServer();
        return Services.CreateAsyncScope();
    }

    /// <summary>Every test posts from 127.0.0.1, so the per-address form limit is raised except where it is tested.</summary>
    protected virtual int FormPostsPerMinute => 10_000;
}

public class SqliteApp : HandoffApp
{
    private string? _file;

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    /// <summary>The app's database file.</summary>
    public string DatabaseFile
    {
        get
        {
            if (_file is null)
            {
                var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "handoff-tests")).FullName;
                _file = Path.Combine(directory, $"{Guid.NewGuid():N}.db");
            }

            return _file;
        }
    }

    protected override string ConnectionString => $"Data Source={DatabaseFile}";

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (_file is not null && File.Exists(_file + suffix))
            {
                File.Delete(_file + suffix);
            }
        }
    }
}

/// <summary>
/// The app on a fresh PostgreSQL database; or, made with <see cref="PostgresApp(string, bool)"/>, one more node on a
/// database another app owns (see <see cref="PostgresCluster"/>).
/// </summary>
public class PostgresApp : HandoffApp
{
    private readonly string _database;
    private readonly bool _ownsDatabase;

    public PostgresApp()
    {
        _database = $"handoff_test_{Guid.NewGuid():N}";
        _ownsDatabase = true;
    }

    /// <summary>Another node on the database of a running app: it neither creates nor drops it.</summary>
    internal PostgresApp(string database, bool fakeClock)
    {
        _database = database;
        _ownsDatabase = false;
        UsesFakeClock = fakeClock;
    }

    public string Database => _database;

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override string ConnectionString =>
        new NpgsqlConnectionStringBuilder(AdminConnection) { Database = _database }.ToString();

    /// <summary>The server the tests use; ./test.sh sets it. Missing means a broken setup, so it fails loudly.</summary>
    public static string AdminConnection =>
        Environment.GetEnvironmentVariable("HANDOFF_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "HANDOFF_TEST_POSTGRES is not set: run the tests with ./test.sh, which starts a PostgreSQL server, " +
            "or point it at one, e.g. 'Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres'.");

    public override async Task InitializeAsync()
    {
        if (!_ownsDatabase)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(AdminConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_ownsDatabase)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The SQLite app on a clock the test moves (<see cref="HandoffApp.Clock"/>).</summary>
public class ClockedSqliteApp : SqliteApp
{
    public ClockedSqliteApp() => UsesFakeClock = true;
}

/// <summary>The PostgreSQL app on a clock the test moves (<see cref="HandoffApp.Clock"/>).</summary>
public class ClockedPostgresApp : PostgresApp
{
    public ClockedPostgresApp() => UsesFakeClock = true;
}
