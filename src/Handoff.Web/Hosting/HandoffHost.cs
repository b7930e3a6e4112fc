using System.Net;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Handoff.Access;
using Handoff.Data;
using Handoff.Demo;
using Handoff.Teams;
using Handoff.Web.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Handoff.Web.Hosting;

/// <summary>Wiring of the web host: services, middleware, and what happens at start-up.</summary>
internal static class HandoffHost
{
    public static void AddHandoff(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHandoffCore(builder.Configuration);
        services.AddMemoryCache();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier;

            // A body that minimal-API binding refuses for its size never reaches ProblemHandling: the framework answers
            // 413 itself, and the status page would say no more than "Content Too Large".
            if (c.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge && c.ProblemDetails.Detail is null)
            {
                c.ProblemDetails.Title = ProblemHandling.Title(StatusCodes.Status413PayloadTooLarge);
                c.ProblemDetails.Detail = c.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } max
                    ? $"Request body too large. The max request body size is {max} bytes."
                    : "Request body too large.";
            }
        });
        services.AddExceptionHandler<ProblemHandling>();
        services.AddSingleton<Idempotency>();
        services.AddHostedService<EnrichmentWorker>();
        services.AddSingleton<ImportWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<ImportWorker>());
        services.AddSingleton<RescoreWorker>().AddHostedService(provider => provider.GetRequiredService<RescoreWorker>());
        services.AddSingleton<WakeWorker>().AddHostedService(provider => provider.GetRequiredService<WakeWorker>());
        services.AddSingleton<IdempotencyExpiryWorker>().AddHostedService(provider => provider.GetRequiredService<IdempotencyExpiryWorker>());
        services.AddSlaWorkers();
        services.AddSingleton<PredictiveWorker>().AddHostedService(provider => provider.GetRequiredService<PredictiveWorker>());
        services.AddHostedService<CheckpointWorker>();
        services.AddHostedService<WebhookInterestWorker>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
            o.SerializerOptions.Converters.Add(new UtcDateTimes());
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });

        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(nameof(ApiScope.Capture), p => p.RequireClaim(ApiKeyAuthentication.ScopeClaim, nameof(ApiScope.Capture)))
            .AddPolicy(nameof(ApiScope.Read), p => p.RequireClaim(ApiKeyAuthentication.ScopeClaim, nameof(ApiScope.Read)))
            .AddPolicy(nameof(ApiScope.Write), p => p.RequireClaim(ApiKeyAuthentication.ScopeClaim, nameof(ApiScope.Write)))
            .AddPolicy(nameof(ApiScope.Admin), p => p.RequireClaim(ApiKeyAuthentication.ScopeClaim, nameof(ApiScope.Admin)));

        AddTrustedProxies(builder);
        services.AddRateLimiter(o =>
        {
            var limits = builder.Configuration.GetSection($"{HandoffOptions.Section}:Forms").Get<FormOptions>() ?? new FormOptions();
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(FormsApi.RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                $"{http.GetRouteValue("formKey")}|{http.Connection.RemoteIpAddress}",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.PostsPerMinutePerAddress, Window = TimeSpan.FromMinutes(1) }));
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/f", out var rest) && HttpMethods.IsPost(http.Request.Method)
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        "form" + rest.Value?.TrimEnd('/'), // /f/key and /f/key/ are one form
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.PostsPerMinutePerForm, Window = TimeSpan.FromMinutes(1) })
                    : RateLimitPartition.GetNoLimiter(""));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await FormsApi.AllowTheOriginOfARefusedPostAsync(context.HttpContext, ct);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many form posts.", Detail = "Try again in a minute." },
                });
            };
        });

        services.AddHealthChecks().AddDbContextCheck<HandoffDb>("database");
        services.AddOpenApi(o => o.AddOperationTransformer(AlternativeResponse.DescribeAsync).AddOperationTransformer(RequestHeader.DescribeAsync).AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Handoff API",
                Version = "v1",
                Description = "Capture, qualify and hand off leads. Authenticate with `Authorization: Bearer <api key>`.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key: `Authorization: Bearer hk_...`",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
            return Task.CompletedTask;
        }));
    }

    public static void UseHandoff(this WebApplication app)
    {
        if (app.Services.GetService<TrustedProxies>() is not null)
        {
            // First: everything after it (the per-address form limit above all) sees the client, not the proxy.
            app.UseForwardedHeaders();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(Idempotency.BufferBody);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapScalarApiReference("/reference", o => o.WithTitle("Handoff API"));
        app.MapHealthChecks("/health").AllowAnonymous();

        PrepareWorkspace(app);
    }

    /// <summary>
    /// <c>Handoff:Proxy:KnownProxies</c> (addresses) and <c>KnownNetworks</c> (CIDR): the reverse proxies whose
    /// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed. None configured, none is: a client could
    /// otherwise name any address and escape the per-address form limit. A value that does not parse stops the start.
    /// </summary>
    private static void AddTrustedProxies(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection($"{HandoffOptions.Section}:Proxy");
        var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
        var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
        if (proxies.Length == 0 && networks.Length == 0)
        {
            return;
        }

        var addresses = proxies.Select(p => IPAddress.TryParse(p.Trim(), out var address) ? address
            : throw new InvalidOperationException($"{HandoffOptions.Section}:Proxy:KnownProxies: '{p}' is not an IP address.")).ToList();
        var ranges = networks.Select(n => System.Net.IPNetwork.TryParse(n.Trim(), out var network) ? network
            : throw new InvalidOperationException($"{HandoffOptions.Section}:Proxy:KnownNetworks: '{n}' is not a network in CIDR notation, such as 10.0.0.0/8.")).ToList();
        var limit = section.GetValue<int?>("ForwardLimit") ?? 1;
        builder.Services.AddSingleton(new TrustedProxies());
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = limit;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            addresses.ForEach(o.KnownProxies.Add);
            ranges.ForEach(o.KnownIPNetworks.Add);
        });
    }

    /// <summary>Registered when proxies are configured: the pipeline then starts with the forwarded-headers middleware.</summary>
    private sealed class TrustedProxies;

    /// <summary>Migrates, creates the defaults, seeds the demo if asked, and makes sure somebody can sign in.</summary>
    private static void PrepareWorkspace(WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HandoffOptions>>().Value;
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Handoff");
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        Workspace.PrepareAsync(db, clock, options.BootstrapApiKey).GetAwaiter().GetResult();
        Sla.SlaDefaults.EnsureAsync(db, clock, app.Configuration).GetAwaiter().GetResult();

        // A keyword class a replaced keywords.json brings is a Junk reason code: it joins the catalogue, so that the
        // junk review list, its filter and the reports know it.
        var keywords = app.Services.GetRequiredService<Hygiene.JunkKeywords>();
        var (added, retired) = Leads.ReasonCatalogue.AddMissingAsync(db, Leads.LeadStage.Junk, keywords.Reasons, Hygiene.JunkKeywords.File).GetAwaiter().GetResult();
        log.LogInformation("Junk keyword classes from {Source}: {Reasons}", keywords.Source, string.Join(", ", keywords.Reasons));
        if (added.Count > 0)
        {
            log.LogInformation("Added to the Junk reason codes (from {File}): {Codes}", Hygiene.JunkKeywords.File, string.Join(", ", added));
        }

        if (retired.Count > 0)
        {
            log.LogWarning("{File} junks leads with reason codes that are retired in the catalogue: {Codes}", Hygiene.JunkKeywords.File, string.Join(", ", retired));
        }

        if (options.SeedDemo && DemoWorkspace.SeedAsync(db, clock).GetAwaiter().GetResult())
        {
            log.LogInformation("Seeded the demo workspace (users, teams, queues, accounts and 400 leads).");
        }

        var signIn = FirstRunKey(db, clock, options);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                log.LogInformation("Handoff is listening on {Address} — API reference at {Address}/reference", address, address);
            }

            log.LogInformation("{SignIn}", signIn);
        });
    }

    /// <summary>
    /// A fresh workspace with no key at all gets one admin key, written once to a file only the owner can read
    /// (like an initial admin password), since there are no default passwords.
    /// </summary>
    private static string FirstRunKey(HandoffDb db, TimeProvider clock, HandoffOptions options)
    {
        var path = Path.Combine(Path.GetFullPath(options.DataDirectory), "first-run-admin-key.txt");
        if (db.ApiKeys.Any())
        {
            return File.Exists(path)
                ? $"Sign in: use the admin API key in {path} as 'Authorization: Bearer <key>' (or make one with 'handoff apikey create --scope admin')."
                : "Sign in with an API key as 'Authorization: Bearer <key>'; make one with 'handoff apikey create --scope admin'.";
        }

        var (key, plain) = ApiKey.Generate("first-run admin", [ApiScope.Admin], clock.GetUtcNow().UtcDateTime);
        db.ApiKeys.Add(key);
        db.SaveChanges();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, plain + Environment.NewLine);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return $"First run: created an admin API key {plain} (also saved in {path}). Use it as 'Authorization: Bearer <key>'.";
    }
}
