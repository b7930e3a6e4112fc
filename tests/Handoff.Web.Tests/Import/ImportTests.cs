using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Data;
using Handoff.Import;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Import;

public abstract class ImportTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private const string Salesforce =
        "First Name,Last Name,Email,Company,Title,Phone,Mobile Phone,Website,Industry,No. of Employees,Country,State/Province,City,Lead Source,Description,Email Opt Out,Lead Status";

    private static string Token() => "t" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task SalesforceExport_ImportsEveryField_WithQuotedNewlines_CrLf_AndBom()
    {
        var client = app.Admin();
        var t = Token();
        var csv = "\uFEFF" + Salesforce + "\r\n" +
            $"Ada,Lovelace,ada@{t}.io,{t} Engines,CTO,+44 20 7946 0000,+44 7700 900000,www.{t}.io,Software,250,United Kingdom,London,London,Webinar,\"Wants pricing, SSO\r\nand an API\",1,Open - Not Contacted\r\n" +
            $"Grace,Hopper,grace@{t}.io,{t} Navy,Rear Admiral,,+1 555 0100,,Defense,\"1,200\",United States,VA,Arlington,Trade Show,,0,Working\r\n";

        var job = await client.ImportAsync(csv);

        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.Equal(2, job["imported"]!.GetValue<int>());
        Assert.Contains(job["mapping"]!.AsArray(), m => m!["column"]!.GetValue<string>() == "Email Opt Out" && m["target"]!.GetValue<string>() == "emailOptOut");
        var ada = await client.LeadByEmailAsync($"ada@{t}.io");
        Assert.Equal("Lovelace", ada["lastName"]!.GetValue<string>());
        Assert.Equal($"{t} Engines", ada["company"]!.GetValue<string>());
        Assert.Equal("+44 20 7946 0000", ada["phone"]!.GetValue<string>());
        Assert.Equal(250, ada["employeeCount"]!.GetValue<int>());
        Assert.Equal("London", ada["state"]!.GetValue<string>());
        Assert.Equal("Webinar", ada["source"]!.GetValue<string>());
        Assert.Equal("Wants pricing, SSO\nand an API", ada["description"]!.GetValue<string>().Replace("\r", "", StringComparison.Ordinal));
        Assert.False(ada["emailConsent"]!.GetValue<bool>());
        Assert.Equal("Open - Not Contacted", ada["customFields"]!["Lead Status"]!.GetValue<string>());
        Assert.Equal("New", ada.Stage());
        var grace = await client.LeadByEmailAsync($"grace@{t}.io");
        Assert.Equal("+1 555 0100", grace["phone"]!.GetValue<string>());
        Assert.Equal(1200, grace["employeeCount"]!.GetValue<int>());
        Assert.Null(grace["emailConsent"]); // "not opted out" is no opt-in

        var history = await (await client.GetAsync($"/api/leads/{ada.Id()}/history")).ReadArrayAsync();
        var created = Assert.Single(history);
        Assert.Equal($"import:{job["id"]}", created!["actor"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task HubSpotExport_ImportsEveryField_AndKeepsUnknownColumnsAsCustomFields()
    {
        var client = app.Admin();
        var t = Token();
        var csv =
            "Record ID,First Name,Last Name,Email,Company Name,Job Title,Phone Number,Website URL,Industry,Number of Employees,Country/Region,State/Region,City,Original Source,Unsubscribed from all email\n" +
            $"901,Linus,Torvalds,linus@{t}.io,{t} Kernel,Maintainer,+358 9 123 4567,https://{t}.io,Software,51-200,Finland,Uusimaa,Helsinki,ORGANIC_SEARCH,false\n";

        var job = await client.ImportAsync(csv);

        Assert.Equal(1, job["imported"]!.GetValue<int>());
        var lead = await client.LeadByEmailAsync($"linus@{t}.io");
        Assert.Equal("Maintainer", lead["title"]!.GetValue<string>());
        Assert.Equal($"{t} Kernel", lead["company"]!.GetValue<string>());
        Assert.Equal(51, lead["employeeCount"]!.GetValue<int>());
        Assert.Equal("Finland", lead["country"]!.GetValue<string>());
        Assert.Equal("Uusimaa", lead["state"]!.GetValue<string>());
        Assert.Equal("ORGANIC_SEARCH", lead["source"]!.GetValue<string>());
        Assert.Null(lead["emailConsent"]); // not unsubscribed: nothing is known of consent
        Assert.Equal("901", lead["customFields"]!["Record ID"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExplicitMapping_MapsOddHeaders_ToFieldsCustomFieldsOrNothing()
    {
        var client = app.Admin();
        var t = Token();
        var csv = $"Mail,Nom,Notes,Internal\nzoe@{t}.io,Zoé,met at booth,x-1\n";

        var job = await client.ImportAsync(csv, mapping: """{"Mail":"email","Nom":"lastName","Notes":"custom:notes","Internal":"ignore"}""");
        var unknown = await client.UploadImportAsync(Encoding.UTF8.GetBytes(csv + "\n"), mapping: """{"Mail":"electronicMail"}""");

        var lead = await client.LeadByEmailAsync($"zoe@{t}.io");
        Assert.Equal("Zoé", lead["lastName"]!.GetValue<string>());
        Assert.Equal("met at booth", lead["customFields"]!["notes"]!.GetValue<string>());
        Assert.Null(lead["customFields"]!["Internal"]);
        Assert.Equal("ignore", job["mapping"]![3]!["target"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("mapping.Mail", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SalesforceReportExport_ItsCompanyAccountColumn_IsTheCompany()
    {
        var client = app.Admin();
        var t = Token();
        var csv = "\"First Name\",\"Last Name\",\"Title\",\"Company / Account\",\"Email\",\"Lead Source\",\"Lead Status\",\"Created Date\"\r\n" +
            $"\"Maria\",\"Gonzalez\",\"VP Sales\",\"{t} Logistics\",\"maria@{t}.io\",\"Web\",\"Open - Not Contacted\",\"3/14/2024\"\r\n";

        var job = await client.ImportAsync(csv);

        Assert.Contains(job["mapping"]!.AsArray(), m => m!["column"]!.GetValue<string>() == "Company / Account" && m["target"]!.GetValue<string>() == "company");
        var lead = await client.LeadByEmailAsync($"maria@{t}.io");
        Assert.Equal($"{t} Logistics", lead["company"]!.GetValue<string>());
        Assert.Null(lead["customFields"]!["Company / Account"]);
    }

    [Theory]
    [InlineData("""{"Mail":null}""", "mapping.Mail", "null is not a target")]
    [InlineData("""{"Mail":"email","MAIL":"phone"}""", "mapping.MAIL", "a second time")]
    public async Task AMappingWithANullTarget_OrNamingAColumnTwice_IsA400NamingIt_AndMakesNoJob(string mapping, string field, string message)
    {
        var client = app.Admin();
        var csv = Encoding.UTF8.GetBytes($"Mail,Nom\nzoe@{Token()}.io,Zoé\n");

        var response = await client.UploadImportAsync(csv, mapping: mapping);
        var jobs = await (await client.GetAsync("/api/imports?limit=200")).ReadArrayAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains(message, errors.GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(jobs, j => j!["sha256"]!.GetValue<string>() == Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(csv)));
    }

    [Fact]
    public async Task UnmappedColumns_AreKeptAsCustomFields_OrIgnored_AndAnyOtherChoiceIsRefused()
    {
        var client = app.Admin();
        var t = Token();

        await client.ImportAsync($"Email,Last Name,Booth Notes\nines@{t}.io,Duarte,asked for a demo\n");
        await client.ImportAsync($"Email,Last Name,Booth Notes\nyara@{t}.io,Haddad,wants pricing\n", unmapped: "ignore");
        var refused = await client.UploadImportAsync(Encoding.UTF8.GetBytes($"Email,Last Name\nnoor@{t}.io,Saleh\n"), unmapped: "sometimes");

        Assert.Equal("asked for a demo", (await client.LeadByEmailAsync($"ines@{t}.io"))["customFields"]!["Booth Notes"]!.GetValue<string>());
        Assert.Null((await client.LeadByEmailAsync($"yara@{t}.io"))["customFields"]?["Booth Notes"]);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.NotNull((await refused.ReadObjectAsync())["errors"]!["unmapped"]);
    }

    [Fact]
    public async Task RowsOfEmptyCells_ThatExcelWritesForEmptyRows_AreSkippedLikeEmptyLines()
    {
        var client = app.Admin();
        var t = Token();
        var csv = "\uFEFFFirst Name,Last Name,Email,Company\r\n" +
            $"Ana,Lima,ana@{t}.io,{t}\r\n" +
            ",,,\r\n" +
            "\"\", ,,\r\n" +
            $"Rui,Costa,rui@{t}.io,{t}\r\n" +
            ",,,\r\n,,,\r\n";

        var job = await client.ImportAsync(csv);
        var errors = await ErrorsAsync(client, job);

        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.Equal(2, job["totalRows"]!.GetValue<int>());
        Assert.Equal(2, job["imported"]!.GetValue<int>());
        Assert.Equal(0, job["rejected"]!.GetValue<int>());
        Assert.Single(errors); // the header only
        Assert.Equal(1.0, job["progress"]!.GetValue<double>());
    }

    [Fact]
    public async Task ARowMergedIntoALeadWithOtherCustomFields_KeepsItAtTheLimitOf100_SoItCanStillBeEdited()
    {
        var client = app.Admin();
        var t = Token();
        var email = $"fields@{t}.io";
        await client.PostAsJsonAsync("/api/leads", new { email, lastName = "Fields", customFields = Enumerable.Range(0, 80).ToDictionary(i => $"old{i}", _ => "o") });
        var columns = Enumerable.Range(0, 50).Select(i => $"new{i}").ToList();

        var job = await client.ImportAsync($"Email,{string.Join(',', columns)}\n{email},{string.Join(',', columns.Select(_ => "n"))}\n");
        var lead = await client.LeadByEmailAsync(email);
        var edit = await client.PatchAsync($"/api/leads/{lead.Id()}", Json.Raw("""{"city":"Oslo"}""", "application/merge-patch+json"));

        Assert.Equal(1, job["merged"]!.GetValue<int>());
        var fields = lead["customFields"]!.AsObject();
        Assert.Equal(100, fields.Count);
        Assert.All(columns, c => Assert.Equal("n", fields[c]?.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
    }

    [Fact]
    public async Task BadRows_AreReportedWithRowAndColumn_AndTheGoodRowsImport()
    {
        var client = app.Admin();
        var t = Token();
        var csv = "First Name,Email,Title,City\n" +
            $"Good,good1@{t}.io,CTO,Paris\n" +
            $"Bad,not-an-email,CTO,Paris\n" +
            $"Long,long@{t}.io,{new string('x', 201)},Paris\n" +
            $"\"Broken\"quote,broken@{t}.io,CTO,Paris\n" +
            $"Short,short@{t}.io,CTO\n" +
            $"Good,good2@{t}.io,CFO,Lyon\n";

        var job = await client.ImportAsync(csv);
        var errors = await ErrorsAsync(client, job);

        Assert.Equal(6, job["totalRows"]!.GetValue<int>());
        Assert.Equal(2, job["imported"]!.GetValue<int>());
        Assert.Equal(4, job["rejected"]!.GetValue<int>());
        Assert.Equal(7, job["lastCommittedRow"]!.GetValue<int>());
        Assert.Equal(["row", "column", "reason", "value", "line"], errors[0]);
        Assert.Equal(["3", "Email", "must be an email address such as name@example.com", "not-an-email", "3"], errors[1]);
        Assert.Equal(("4", "Title"), (errors[2][0], errors[2][1]));
        Assert.Contains("at most 200", errors[2][2], StringComparison.Ordinal);
        Assert.Equal(("5", ""), (errors[3][0], errors[3][1]));
        Assert.Contains("broken quoting", errors[3][2], StringComparison.Ordinal);
        Assert.Equal(("6", ""), (errors[4][0], errors[4][1]));
        Assert.Equal("has 3 columns but the header has 4", errors[4][2]);
        Assert.Equal(5, errors.Count);
        Assert.Equal("CFO", (await client.LeadByEmailAsync($"good2@{t}.io"))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task ErrorReport_NamesRowsAsASpreadsheetShowsThem_AndTheirLines_AfterEmptyLinesAndMultiLineCells()
    {
        var client = app.Admin();
        var t = Token();
        var csv = "First Name,Email,Description\r\n" + // row 1, line 1
            $"Good,good1@{t}.io,ok\r\n" + // row 2, line 2
            "\r\n" + // row 3, line 3: empty, skipped
            "Bad,not-an-email,x\r\n" + // row 4, line 4
            $"Multi,multi@{t}.io,\"two\r\nlines\"\r\n" + // row 5, lines 5-6
            "\r\n\r\n" + // rows 6 and 7, lines 7 and 8
            "Worse,also-not-an-email,y\r\n"; // row 8, line 9

        var job = await client.ImportAsync(csv);
        var errors = await ErrorsAsync(client, job);

        Assert.Equal((4, 2, 2), (job["totalRows"]!.GetValue<int>(), job["imported"]!.GetValue<int>(), job["rejected"]!.GetValue<int>()));
        Assert.Equal(8, job["lastCommittedRow"]!.GetValue<int>());
        Assert.Equal(["row", "column", "reason", "value", "line"], errors[0]);
        Assert.Equal([("4", "Email", "4"), ("8", "Email", "9")], errors.Skip(1).Select(e => (e[0], e[1], e[4])));
    }

    [Fact]
    public async Task ErrorReport_ListsEveryProblemOfARow_OneLineForEachColumn()
    {
        var client = app.Admin();
        var t = Token();
        var csv = "First Name,Email,No. of Employees,Email Opt Out,City\n" +
            $"{new string('a', 101)},ada(at){t}.io,a few,perhaps,Paris\n" +
            $"Fine,fine@{t}.io,12,no,Lyon\n";

        var job = await client.ImportAsync(csv);
        var errors = await ErrorsAsync(client, job);

        Assert.Equal((1, 1), (job["imported"]!.GetValue<int>(), job["rejected"]!.GetValue<int>()));
        Assert.All(errors.Skip(1), e => Assert.Equal("2", e[0]));
        Assert.Equal(["Email", "Email Opt Out", "First Name", "No. of Employees"], errors.Skip(1).Select(e => e[1]).Order());
    }

    [Fact]
    public async Task RepeatedHeaders_AreRefused_NamingThemAndTheirColumns_AndNoJobIsMade()
    {
        var client = app.Admin();
        var t = Token();
        var csv = Encoding.UTF8.GetBytes($"Email,Company,Phone,email \nada@{t}.io,{t},+1 555 0100,ada@{t}-work.io\n");
        var fileName = $"repeated-{t}.csv";

        var plain = await client.UploadImportAsync(csv, fileName);
        var mapped = await client.UploadImportAsync(csv, fileName, mapping: """{"Email":"email"}""");
        var jobs = await (await client.GetAsync("/api/imports?limit=200")).ReadArrayAsync();

        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        var error = (await plain.ReadObjectAsync())["errors"]!["file"]![0]!.GetValue<string>();
        Assert.Contains("'Email' (columns 1 (A) and 4 (D))", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, mapped.StatusCode); // a mapping names columns by header: it cannot tell them apart
        Assert.DoesNotContain(jobs, j => j!["fileName"]!.GetValue<string>() == fileName);
        Assert.Empty(await client.SearchLeadsAsync(t));
    }

    [Fact]
    public async Task AQuotedHeaderWithALineBreak_IsRecognized_ByItsNameWithASpace()
    {
        var client = app.Admin();
        var t = Token();

        var job = await client.CompletedImportAsync($"\"First\nName\",\"Last\r\nName\",Email\nAda,Lovelace,ada@{t}.io\n");

        Assert.Equal(["firstName", "lastName", "email"], job["mapping"]!.AsArray().Select(m => m!["target"]!.GetValue<string>()));
        Assert.Equal("First Name", job["mapping"]![0]!["column"]!.GetValue<string>());
        Assert.Equal("Ada", (await client.LeadByEmailAsync($"ada@{t}.io"))["firstName"]!.GetValue<string>());
    }

    [Fact]
    public async Task ErrorReport_NeutralizesFormulaCells()
    {
        var client = app.Admin();
        var csv = $"Email,City\n=HYPERLINK(\"http://evil.io\"),Paris\n@SUM(1+1),{Token()}\n";

        var job = await client.ImportAsync(csv);
        var response = await client.GetAsync($"/api/imports/{job["id"]}/errors.csv");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("'=HYPERLINK", text, StringComparison.Ordinal);
        Assert.Contains("\"'@SUM(1+1)\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"=HYPERLINK", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicates_InTheFileAndAgainstOpenLeads_MergeInsteadOfDuplicating()
    {
        var client = app.Admin();
        var t = Token();
        var existing = await client.CreateLeadAsync(new { email = $"known@{t}.io", firstName = "Known", title = "Engineer", company = $"{t} Old" });
        var csv = "Email,First Name,Title,Phone\n" +
            $"KNOWN@{t}.io,,CTO,\n" +
            $"new@{t}.io,Nina,,\n" +
            $"New@{t}.io,,,+1 555 0199\n" +
            $"known@{t}.io,,VP Engineering,\n";

        var job = await client.ImportAsync(csv);

        Assert.Equal(1, job["imported"]!.GetValue<int>());
        Assert.Equal(1, job["merged"]!.GetValue<int>());
        Assert.Equal(2, job["duplicates"]!.GetValue<int>());
        var leads = await client.SearchLeadsAsync(t);
        Assert.Equal(2, leads.Count);
        var known = await client.LeadByEmailAsync($"known@{t}.io");
        Assert.Equal(existing.Id(), known.Id());
        Assert.Equal("VP Engineering", known["title"]!.GetValue<string>()); // a newer non-empty value wins
        Assert.Equal("Known", known["firstName"]!.GetValue<string>()); // an empty one never erases
        var fresh = await client.LeadByEmailAsync($"new@{t}.io");
        Assert.Equal("Nina", fresh["firstName"]!.GetValue<string>());
        Assert.Equal("+1 555 0199", fresh["phone"]!.GetValue<string>());
        var history = await (await client.GetAsync($"/api/leads/{known.Id()}/history")).ReadArrayAsync();
        Assert.Equal(2, history.Count(h => h!["kind"]!.GetValue<string>() == "fields-updated" && h["actor"]!["id"]!.GetValue<string>() == $"import:{job["id"]}"));
    }

    [Fact]
    public async Task SameFileTwice_AnswersWithTheFirstJob_AndCreatesNothingNew()
    {
        var client = app.Admin();
        var t = Token();
        var csv = Encoding.UTF8.GetBytes($"Email,Company\nonce@{t}.io,{t}\ntwice@{t}.io,{t}\n");

        var first = await client.ImportAsync(Encoding.UTF8.GetString(csv));
        var again = await client.UploadImportAsync(csv);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var job = await again.ReadObjectAsync();
        Assert.Equal(first["id"]!.GetValue<string>(), job["id"]!.GetValue<string>());
        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.Equal(2, (await client.SearchLeadsAsync(t)).Count);
    }

    [Fact]
    public async Task InvalidUtf8_AndUtf16_AreRefusedWithAClearError_AndNoJob()
    {
        var client = app.Admin();
        var latin1 = Encoding.Latin1.GetBytes($"Email,City\nzoe@{Token()}.io,Zürich\n");
        var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("Email\nzoe@acme-corp.io\n")).ToArray();

        var refused = await client.UploadImportAsync(latin1);
        var wide = await client.UploadImportAsync(utf16);
        var jobs = await (await client.GetAsync("/api/imports?limit=200")).ReadArrayAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = Json.Problem(await refused.Content.ReadAsStringAsync()).GetProperty("errors").GetProperty("file")[0].GetString();
        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Contains("line 2", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wide.StatusCode);
        Assert.Contains("UTF-16", await wide.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(jobs, j => j!["sha256"]!.GetValue<string>() == Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(latin1)));
    }

    [Fact]
    public async Task NotMultipart_OrWithoutAFile_IsRefused_AndWriteScopeIsRequired()
    {
        var client = app.Admin();
        var json = await client.PostAsJsonAsync("/api/imports", new { file = "x" });
        using var empty = new MultipartFormDataContent { { new StringContent("{}"), "mapping" } };
        var noFile = await client.PostAsync("/api/imports", empty);
        var anonymous = await app.WithKey(null).PostAsync("/api/imports", new MultipartFormDataContent());

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.Contains("'file'", await noFile.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task ATruncatedMultipartUpload_IsA400()
    {
        var body = new StringContent("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.csv\"\r\n\r\nEmail\na@acme-corp.io\n");
        body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XX");

        var response = await app.Admin().PostAsync("/api/imports", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("multipart body could not be read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InterruptedImport_ResumesAfterTheLastCommittedBatch_WithExactlyTheRightLeads()
    {
        var client = app.Admin();
        var t = Token();

        // 230 rows, one of them (row 181) the same person as row 11, across the checkpoint; batches of 50.
        string[] names = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal", "Ida", "Jon"];
        var rows = Enumerable.Range(0, 230).Select(i => i == 179 ? $"p9@{t}.io,Again,{t}" : $"p{i}@{t}.io,{names[i % names.Length]},{t}");
        var csv = Encoding.UTF8.GetBytes("Email,First Name,Company\n" + string.Join('\n', rows) + "\n");
        var job = await app.StartInProcessAsync(csv, "interrupted.csv");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 50;
            run.RowsPerTransaction = 50;
            run.BeforeCommit = batch => batch == 3 ? throw new IOException("the disk went away (simulated crash)") : Task.CompletedTask;
            var failed = await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None);
            Assert.Equal(ImportStatus.Failed, failed!.Status);
            Assert.Equal(101, failed.LastCommittedRow);
            Assert.Equal(100, failed.Imported);
        }

        Assert.Equal(100, (await client.SearchLeadsAsync(t)).Count);

        // Uploading the same file again resumes the failed job in the background.
        var resumed = await client.UploadImportAsync(csv, "interrupted.csv");
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var done = await client.FinishedImportAsync(job.Id.ToString());

        Assert.Equal("Completed", done["status"]!.GetValue<string>());
        Assert.Equal(230, done["totalRows"]!.GetValue<int>());
        Assert.Equal(229, done["imported"]!.GetValue<int>());
        Assert.Equal(1, done["duplicates"]!.GetValue<int>());
        Assert.Equal(0, done["merged"]!.GetValue<int>());
        Assert.Equal(229, (await client.SearchLeadsAsync(t)).Count);
        Assert.Equal("Again", (await client.LeadByEmailAsync($"p9@{t}.io"))["firstName"]!.GetValue<string>());
    }

    [Fact]
    public async Task AResumedImport_CountsAsACleanRun_WhenAJunkRowBeforeTheCheckpointNamedAKnownPerson()
    {
        var client = app.Admin();
        var t = Token();
        var known = $"known@{t}.io";
        var olga = (await (await client.PostAsJsonAsync("/api/leads", new { email = known, firstName = "Olga" })).ReadObjectAsync())["lead"]!.AsObject().Id();

        // Row 2 is junk with the known person's email (before the checkpoint); row 103 is that person again, clean.
        var rows = new[] { $"{known},http://spam.example,{t}" }
            .Concat(Enumerable.Range(0, 100).Select(i => $"u{i}@{t}.io,Uma,{t}"))
            .Append($"{known},Olga,{t}");
        var csv = Encoding.UTF8.GetBytes("Email,First Name,Company\n" + string.Join('\n', rows) + "\n");
        var job = await app.StartInProcessAsync(csv, "junk-before-checkpoint.csv");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 50;
            run.RowsPerTransaction = 50;
            run.BeforeCommit = batch => batch == 2 ? throw new IOException("simulated crash") : Task.CompletedTask;
            Assert.Equal(51, (await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None))!.LastCommittedRow);
        }

        await client.UploadImportAsync(csv, "junk-before-checkpoint.csv");
        var done = await client.FinishedImportAsync(job.Id.ToString());

        Assert.Equal((1, 0, 1), (done["merged"]!.GetValue<int>(), done["duplicates"]!.GetValue<int>(), done["junk"]!.GetValue<int>()));
        var activities = await (await client.GetAsync($"/api/leads/{olga}/activities")).ReadArrayAsync();
        Assert.Equal(2, activities.Count); // its capture, and the import's touch
    }

    [Fact]
    public async Task AFileWithEmptyLinesAndMultiLineCells_ResumesAfterItsCheckpoint_WithoutImportingARowTwice()
    {
        var client = app.Admin();
        var t = Token();

        // 60 rows; an empty line after every 7th and a two-line cell in every 5th, so row numbers run ahead of records.
        var lines = Enumerable.Range(0, 60).Select(i =>
            (i % 5 == 0 ? $"e{i}@{t}.io,\"two\nlines\",{t}" : $"e{i}@{t}.io,Eve,{t}") + (i % 7 == 6 ? "\n" : ""));
        var csv = Encoding.UTF8.GetBytes("Email,First Name,Company\n" + string.Join('\n', lines) + "\n");
        var job = await app.StartInProcessAsync(csv, "gaps.csv");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 20;
            run.RowsPerTransaction = 20;
            run.BeforeCommit = batch => batch == 2 ? throw new IOException("simulated crash") : Task.CompletedTask;
            var failed = await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None);

            // 20 records are committed; two empty lines came before the 20th, which is row 1 + 20 + 2.
            Assert.Equal((ImportStatus.Failed, 20, 23), (failed!.Status, failed.TotalRows, failed.LastCommittedRow));

            // A checkpoint written while empty lines were not counted (row 21) must resume just as right.
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.ImportJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.LastCommittedRow, 21));
        }

        await client.UploadImportAsync(csv, "gaps.csv");
        var done = await client.FinishedImportAsync(job.Id.ToString());

        Assert.Equal("Completed", done["status"]!.GetValue<string>());
        Assert.Equal((60, 60, 0, 0), (done["totalRows"]!.GetValue<int>(), done["imported"]!.GetValue<int>(), done["merged"]!.GetValue<int>(), done["duplicates"]!.GetValue<int>()));
        Assert.Equal(1 + 60 + 8, done["lastCommittedRow"]!.GetValue<int>()); // 8 empty lines, none at the end
        Assert.Equal(60, (await client.SearchLeadsAsync(t)).Count);
    }

    [Fact]
    public async Task Progress_MovesWithEveryBatch_WhileTheCountsWaitForTheCommit()
    {
        var client = app.Admin();
        var t = Token();
        var csv = Encoding.UTF8.GetBytes("Email,Company\n" + string.Join('\n', Enumerable.Range(0, 100).Select(i => $"p{i}@{t}.io,{t}")) + "\n");
        var job = await app.StartInProcessAsync(csv, "progress.csv");
        var reports = new List<ImportProgress>();
        (int Batch, JsonObject Job)? midway = null;

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 10;
            run.RowsPerTransaction = 50; // five batches a transaction, as on SQLite
            run.BeforeCommit = async batch => midway ??= (batch, await (await client.GetAsync($"/api/imports/{job.Id}")).ReadObjectAsync());
            var done = await run.RunAsync(job.Id, "test-runner", new SynchronousProgress(reports.Add), CancellationToken.None);
            Assert.Equal(ImportStatus.Completed, done!.Status);
        }

        // A report per batch written, and one per commit; the counts and the checkpoint move only with commits (after
        // batches 5 and 10, or earlier when a capture waits for SQLite's write turn).
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], reports.Select(r => r.RowsProcessed).Distinct());
        Assert.Equal(10, reports.Count(r => r.Counts.TotalRows < r.RowsProcessed));
        Assert.Equal((100, 101), (reports[^1].Counts.TotalRows, reports[^1].LastCommittedRow));
        Assert.All(reports, r => Assert.Equal(r.Counts.TotalRows == 0 ? 0 : r.Counts.TotalRows + 1, r.LastCommittedRow));
        Assert.All(reports.Zip(reports.Skip(1)), pair => Assert.True(pair.First.Fraction <= pair.Second.Fraction));
        Assert.Equal(1.0, reports[^1].Fraction);

        // Before the first commit the API shows the rows written so far, and the committed counts (none yet).
        var (batch, view) = midway!.Value;
        Assert.Equal("Running", view["status"]!.GetValue<string>());
        Assert.Equal((batch * 10, 0), (view["rowsProcessed"]!.GetValue<int>(), view["totalRows"]!.GetValue<int>()));
        Assert.InRange(view["progress"]!.GetValue<double>(), batch * 0.1 - 0.05, batch * 0.1 + 0.05);
        var finished = await (await client.GetAsync($"/api/imports/{job.Id}")).ReadObjectAsync();
        Assert.Equal((100, 100, 1.0), (finished["rowsProcessed"]!.GetValue<int>(), finished["totalRows"]!.GetValue<int>(), finished["progress"]!.GetValue<double>()));
    }

    [Fact]
    public async Task CancelledImport_GoesBackToPending_AndTheNextRunFinishesIt()
    {
        var client = app.Admin();
        var t = Token();
        var csv = Encoding.UTF8.GetBytes("Email,Company\n" + string.Join('\n', Enumerable.Range(0, 120).Select(i => $"c{i}@{t}.io,{t}")) + "\n");
        var job = await app.StartInProcessAsync(csv, "cancelled.csv");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 40;
            run.RowsPerTransaction = 40;
            using var stop = new CancellationTokenSource();
            run.BeforeCommit = batch =>
            {
                if (batch == 2)
                {
                    stop.Cancel();
                }

                return Task.CompletedTask;
            };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.RunAsync(job.Id, "test-runner", null, stop.Token));
        }

        var paused = await (await client.GetAsync($"/api/imports/{job.Id}")).ReadObjectAsync();
        if (paused["status"]!.GetValue<string>() == "Pending")
        {
            Assert.Equal(41, paused["lastCommittedRow"]!.GetValue<int>()); // batch 2 was cancelled before its commit
        }
        else
        {
            // The background worker (it polls every few seconds) picked the job up already.
            Assert.Contains(paused["status"]!.GetValue<string>(), new[] { "Running", "Completed" });
        }
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // The background worker may have taken it already; either way it ends complete.
            await scope.ServiceProvider.GetRequiredService<RunImport>().RunAsync(job.Id, "test-runner", null, CancellationToken.None);
        }

        var done = await client.FinishedImportAsync(job.Id.ToString());
        Assert.Equal(120, done["imported"]!.GetValue<int>());
        Assert.Equal(120, (await client.SearchLeadsAsync(t)).Count);
    }

    [Fact]
    public async Task APersonCapturedWhileImporting_IsMergedInto_NotDuplicated()
    {
        var client = app.Admin();
        var t = Token();
        string[] names = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay"];
        var csv = Encoding.UTF8.GetBytes("Email,First Name,Company\n" + string.Join('\n', Enumerable.Range(0, 30).Select(i => $"r{i}@{t}.io,{names[i % names.Length]},{t}")) + "\n");
        var job = await app.StartInProcessAsync(csv, "race.csv");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 10;

            // The capture lands after the run read the open leads and before it writes row 25's person: the insert of
            // a twin hits the one-open-lead index, and the transaction runs again against the current leads.
            run.AfterKeysLoaded = async () => await client.CreateLeadAsync(new { email = $"r23@{t}.io", title = "Captured meanwhile" });
            var done = await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None);

            Assert.Equal(ImportStatus.Completed, done!.Status);
            Assert.Equal((29, 1), (done.Imported, done.Merged));
        }

        Assert.Equal(30, (await client.SearchLeadsAsync(t)).Count);
        var merged = await client.LeadByEmailAsync($"r23@{t}.io");
        Assert.Equal((names[23 % names.Length], "Captured meanwhile"), (merged["firstName"]!.GetValue<string>(), merged["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task JobOfAVanishedRunner_IsResumedWhenItsFileComesAgain()
    {
        var client = app.Admin();
        var t = Token();
        var csv = Encoding.UTF8.GetBytes($"Email,Company\nv1@{t}.io,{t}\nv2@{t}.io,{t}\n");
        var job = await app.StartInProcessAsync(csv, "vanished.csv");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // A runner that claimed the job and died: its lease ran out.
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.ImportJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, DateTime.UtcNow.AddMinutes(-1)));
        }

        var again = await client.UploadImportAsync(csv, "vanished.csv");

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var done = await client.FinishedImportAsync(job.Id.ToString());
        Assert.Equal(2, done["imported"]!.GetValue<int>());
    }

    [Fact]
    public async Task JunkVerdict_PutsTheRowInJunk_ByHygiene_AndCountsIt()
    {
        var client = app.Admin();
        var t = Token();
        var csv = Encoding.UTF8.GetBytes($"Email,First Name,Last Name,Company\nreal@{t}.io,Real,Person,{t}\nsomeone@mailinator.com,Some,One,{t}\n");
        var job = await app.StartInProcessAsync(csv, "junk.csv");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            var done = await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None);
            Assert.Equal((1, 1), (done!.Imported, done.Junk));
        }

        var junk = await client.LeadByEmailAsync("someone@mailinator.com");
        Assert.Equal("Junk", junk.Stage());
        Assert.Equal("disposable-email", junk["stageReason"]!.GetValue<string>());
        var history = await (await client.GetAsync($"/api/leads/{junk.Id()}/history")).ReadArrayAsync();
        Assert.Equal("hygiene", history[^1]!["actor"]!["id"]!.GetValue<string>());
        Assert.Equal("New", (await client.LeadByEmailAsync($"real@{t}.io")).Stage());
    }

    [Fact]
    public async Task ImportedLeads_AreAnnounced_ByOneLeadsImportedEventPerBatch_WithTheirIds()
    {
        var client = app.Admin();
        await using var subscription = await client.SubscribeAsync("*");
        var t = Token();
        var existing = await client.CreateLeadAsync(new { email = $"known@{t}.io", firstName = "Known", company = $"{t} Systems" });
        var csv = Encoding.UTF8.GetBytes(
            "Email,First Name,Last Name,Company,Title\n" +
            $"mara@{t}.io,Mara,Quint,{t} Systems,\n" +
            $"MARA@{t}.io,,,{t} Systems,Chief Financial Officer\n" +
            $"signup.{t}@mailinator.com,Some,One,{t} Systems,\n" +
            $"known@{t}.io,Known,Better,{t} Systems,\n" +
            $"omar@{t}.io,Omar,Reyes,{t} Systems,\n");
        var job = await app.StartInProcessAsync(csv, "announced.csv");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 3;
            var done = await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None);
            Assert.Equal((2, 1, 1, 1), (done!.Imported, done.Merged, done.Duplicates, done.Junk));
        }

        var mara = Guid.Parse((await client.LeadByEmailAsync($"mara@{t}.io")).Id());
        var omar = Guid.Parse((await client.LeadByEmailAsync($"omar@{t}.io")).Id());
        var junk = Guid.Parse((await client.LeadByEmailAsync($"signup.{t}@mailinator.com")).Id());
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var events = await db.Outbox.AsNoTracking().Where(m => m.AggregateId == job.Id).ToListAsync();
            var batches = events.Select(e => JsonNode.Parse(e.Payload)!).OrderBy(p => p["firstRow"]!.GetValue<int>()).ToList();
            Assert.All(events, e => Assert.Equal("leads.imported", e.Type));
            Assert.Equal(2, batches.Count); // rows 2-4 and 5-6; each created a lead
            Assert.Equal((2, 4, 5, 6), (batches[0]["firstRow"]!.GetValue<int>(), batches[0]["lastRow"]!.GetValue<int>(), batches[1]["firstRow"]!.GetValue<int>(), batches[1]["lastRow"]!.GetValue<int>()));
            Assert.Equal(job.Id.ToString(), batches[0]["importId"]!.GetValue<string>());
            Assert.Equal([mara.ToString()], batches[0]["leadIds"]!.AsArray().Select(i => i!.GetValue<string>()));
            Assert.Equal([junk.ToString()], batches[0]["junkLeadIds"]!.AsArray().Select(i => i!.GetValue<string>()));
            Assert.Equal([omar.ToString()], batches[1]["leadIds"]!.AsArray().Select(i => i!.GetValue<string>()));
            Assert.Empty(batches[1]["junkLeadIds"]!.AsArray());

            // No lead-sized lead.created per imported row; the merge into the existing lead keeps its own event.
            Guid[] imported = [mara, omar, junk];
            Assert.False(await db.Outbox.AnyAsync(m => imported.Contains(m.AggregateId) && m.Type == "lead.created"));
            var known = Guid.Parse(existing.Id());
            Assert.True(await db.Outbox.AnyAsync(m => m.AggregateId == known && m.Type == "lead.fields-updated"));
        }

        // A lead that a later row of its own batch merged into is written with the merged values.
        var merged = await client.LeadByEmailAsync($"mara@{t}.io");
        Assert.Equal(("Quint", "Chief Financial Officer"), (merged["lastName"]!.GetValue<string>(), merged["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task XEducationLeads_WithoutEmailsOrNames_AreEachRejected_WithTheIdentityError()
    {
        var client = app.Admin();
        var path = SharedData("x-education/Leads.csv");

        var response = await client.UploadImportAsync(await File.ReadAllBytesAsync(path), "Leads.csv");
        var job = await client.FinishedImportAsync((await response.ReadObjectAsync())["id"]!.GetValue<string>());
        var errors = await ErrorsAsync(client, job);

        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.Equal(9240, job["totalRows"]!.GetValue<int>());
        Assert.Equal(9240, job["rejected"]!.GetValue<int>());
        Assert.Equal(9241, errors.Count);
        Assert.All(errors.Skip(1), e => Assert.Equal("a lead needs an email, a phone or a name", e[2]));
        var mapping = job["mapping"]!.AsArray().ToDictionary(m => m!["column"]!.GetValue<string>(), m => m!["target"]!.GetValue<string>());
        Assert.Equal("source", mapping["Lead Source"]);
        Assert.Equal("emailOptOut", mapping["Do Not Email"]);
        Assert.Equal("custom:Prospect ID", mapping["Prospect ID"]);
    }

    /// <summary>Reports on the thread that reports, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    private static async Task<List<string[]>> ErrorsAsync(HttpClient client, JsonObject job)
    {
        var text = await client.GetStringAsync($"/api/imports/{job["id"]}/errors.csv");
        using var reader = CsvHelper.CsvReader.FromText(text, new CsvHelper.CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add(reader.Current.ToArray());
        }

        return rows;
    }

    /// <summary>A file of ../shared/data beside the repository (DESIGN.md section 7).</summary>
    private static string SharedData(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"shared/data/{relative} was not found beside the repository or above it.");
    }
}

public sealed class ImportTests_Sqlite(SqliteApp app) : ImportTests<SqliteApp>(app);

public sealed class ImportTests_Postgres(PostgresApp app) : ImportTests<PostgresApp>(app);
