using System.Net.Http.Headers;
using Handoff.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
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
        builder.UseSetting("Handoff:Forms:PostsPerMinutePerAddress", FormPostsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Every test posts from 127.0.0.1, so the per-address form limit is raised except where it is tested.</summary>
    protected virtual int FormPostsPerMinute => 10_000;
}

public class SqliteApp : HandoffApp
{
    private string? _file;

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override string ConnectionString
    {
        get
        {
            if (_file is null)
            {
                var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "handoff-tests")).FullName;
                _file = Path.Combine(directory, $"{Guid.NewGuid():N}.db");
            }

            return $"Data Source={_file}";
        }
    }

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

public sealed class PostgresApp : HandoffApp
{
    private readonly string _database = $"handoff_test_{Guid.NewGuid():N}";

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override string ConnectionString =>
        new NpgsqlConnectionStringBuilder(AdminConnection) { Database = _database }.ToString();

    /// <summary>The server the tests use; ./test.sh sets it. Missing means a broken setup, so it fails loudly.</summary>
    private static string AdminConnection =>
        Environment.GetEnvironmentVariable("HANDOFF_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "HANDOFF_TEST_POSTGRES is not set: run the tests with ./test.sh, which starts a PostgreSQL server, " +
            "or point it at one, e.g. 'Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres'.");

    public override async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
