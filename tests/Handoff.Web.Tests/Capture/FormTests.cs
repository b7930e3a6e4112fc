using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Capture;

public abstract class FormTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private async Task<JsonObject> CreateForm(object? body = null)
    {
        var response = await app.Admin().PostAsJsonAsync("/api/forms", body ?? new
        {
            name = $"Demo request {Guid.NewGuid():N}",
            allowedOrigins = new[] { "https://www.example.com" },
            returnUrls = new[] { "https://www.example.com/thanks" },
            fieldMap = new Dictionary<string, string> { ["work_phone"] = "phone" },
            activityType = "DemoRequest",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadObjectAsync();
    }

    /// <summary>A client that, like a test should, never follows a redirect off this machine.</summary>
    private HttpClient Browser()
    {
        var address = app.WithKey(null).BaseAddress;
        return new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address };
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    [Fact]
    public async Task WebToLead_HubSpotJson_AndApi_OfOnePerson_MakeOneLeadWithThreeActivities()
    {
        var form = await CreateForm();
        var email = $"grace.{Guid.NewGuid():N}@navy-systems.io";
        var browser = Browser();

        var w2l = new HttpRequestMessage(HttpMethod.Post, form["postUrl"]!.GetValue<string>())
        {
            Content = Form(("first_name", "Grace"), ("last_name", "Hopper"), ("email", email), ("company", "US Navy"), ("title", "Rear Admiral"),
                ("work_phone", "+1 555 010 0199"), ("00N5e00000ABCDE", "COBOL"), ("utm_source", "google"), ("utm_campaign", "brand"),
                ("retURL", "https://www.example.com/thanks?x=1")),
        };
        w2l.Headers.Add("Origin", "https://www.example.com");
        var posted = await browser.SendAsync(w2l);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal("https://www.example.com/thanks?x=1", posted.Headers.Location?.ToString());
        Assert.Equal("https://www.example.com", posted.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var hubspot = await browser.PostAsJsonAsync(form["postUrl"]!.GetValue<string>(), new
        {
            fields = new object[] { new { name = "email", value = email }, new { name = "jobtitle", value = "Director of Computing" }, new { name = "numemployees", value = "1000+" } },
            context = new { pageUri = "https://www.example.com/demo", pageName = "Demo", hutk = $"hutk-{Guid.NewGuid():N}" },
        });
        Assert.Equal(HttpStatusCode.OK, hubspot.StatusCode);
        Assert.DoesNotContain(email, await hubspot.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var api = await app.Admin().PostAsJsonAsync("/api/leads", new { email, lastName = "Hopper" });
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        var lead = (await api.ReadObjectAsync())["lead"]!.AsObject();

        Assert.Equal("Director of Computing", lead["title"]!.GetValue<string>());
        Assert.Equal("+1 555 010 0199", lead["phone"]!.GetValue<string>());
        Assert.Equal("COBOL", lead["customFields"]!["00N5e00000ABCDE"]!.GetValue<string>());
        Assert.Equal(1000, lead["employeeCount"]!.GetValue<int>());
        Assert.Equal("google", lead["utmSource"]!.GetValue<string>());
        var activities = await (await app.Admin().GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(3, activities.Count);
        Assert.Equal(2, activities.Count(a => a!["type"]!.GetValue<string>() == "DemoRequest"));
        Assert.Contains(activities, a => a!["url"]?.GetValue<string>() == "https://www.example.com/demo");
    }

    [Fact]
    public async Task DoubleSubmit_WithOneIdempotencyKey_MakesOneTouch_AndBothAnswersRedirect()
    {
        var form = await CreateForm();
        var email = $"ada.{Guid.NewGuid():N}@engines.io";
        var key = Guid.NewGuid().ToString();
        var back = "https://www.example.com/thanks?utm_content=" + new string('x', 600); // longer than any column of 500
        HttpRequestMessage Submit()
        {
            var post = new HttpRequestMessage(HttpMethod.Post, form["postUrl"]!.GetValue<string>())
            {
                Content = Form(("email", email), ("last_name", "Lovelace"), ("retURL", back)),
            };
            post.Headers.Add("Idempotency-Key", key);
            return post;
        }

        var browser = Browser();
        var answers = await Task.WhenAll(browser.SendAsync(Submit()), browser.SendAsync(Submit()));
        var again = await browser.SendAsync(Submit());

        Assert.All(answers.Append(again), a =>
        {
            Assert.Equal(HttpStatusCode.Redirect, a.StatusCode);
            Assert.Equal(back, a.Headers.Location?.ToString());
        });
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.All(answers.Append(again), a => Assert.Null(a.Content.Headers.ContentType)); // an empty body claims no type
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        var lead = (await (await app.Admin().PostAsJsonAsync("/api/leads", new { email })).ReadObjectAsync())["lead"]!.AsObject();
        var activities = await (await app.Admin().GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(1, activities.Count(a => a!["type"]!.GetValue<string>() == "DemoRequest"));
    }

    [Fact]
    public async Task DoubleSubmit_WithoutAKey_IsOneSubmission_EvenWithoutAnEmail_AndChangedFieldsAreAnother()
    {
        // A plain HTML form sends no Idempotency-Key: the same fields posted again (a double click, a reloaded page),
        // in any order and either encoding, are the same submission. Without an email nothing else could tell.
        var form = await CreateForm();
        var source = "double-" + Guid.NewGuid().ToString("N")[..12];
        var fields = new[] { ("first_name", "Grace"), ("last_name", "Hopper"), ("company", "Cobol Works"), ("work_phone", "+1 555 010 7788"), ("lead_source", source), ("retURL", "https://www.example.com/thanks") };
        var url = form["postUrl"]!.GetValue<string>();
        var browser = Browser();

        var twice = await Task.WhenAll(browser.PostAsync(url, Form(fields)), browser.PostAsync(url, Form(fields)));
        using var multipart = new MultipartFormDataContent();
        foreach (var (name, value) in fields.Reverse())
        {
            multipart.Add(new StringContent(value), name);
        }

        var again = await browser.PostAsync(url, multipart);
        Assert.All(twice.Append(again), a =>
        {
            Assert.Equal(HttpStatusCode.Redirect, a.StatusCode);
            Assert.Equal("https://www.example.com/thanks", a.Headers.Location?.ToString());
        });
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());

        // An empty Idempotency-Key is no key: the submission's own key answers.
        var emptyKey = new HttpRequestMessage(HttpMethod.Post, url) { Content = Form(fields) };
        emptyKey.Headers.TryAddWithoutValidation("Idempotency-Key", "");
        var replayed = await browser.SendAsync(emptyKey);
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());

        var leads = (await (await app.Admin().GetAsync($"/api/leads?source={source}")).ReadObjectAsync())["items"]!.AsArray();
        var lead = Assert.Single(leads)!.AsObject();
        var activities = await (await app.Admin().GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(1, activities.Count(a => a!["type"]!.GetValue<string>() == "DemoRequest"));

        // Another phone number is another submission.
        var changed = await browser.PostAsync(url, Form([.. fields.Select(f => f.Item1 == "work_phone" ? (f.Item1, "+1 555 010 9999") : f)]));
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.False(changed.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, (await (await app.Admin().GetAsync($"/api/leads?source={source}")).ReadObjectAsync())["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task DoubleSubmit_WithoutAReturnUrl_ShowsTheThankYouPageBothTimes()
    {
        var form = await CreateForm();
        var key = Guid.NewGuid().ToString();
        var email = $"alan.{Guid.NewGuid():N}@bletchley.io";
        HttpRequestMessage Submit()
        {
            var post = new HttpRequestMessage(HttpMethod.Post, form["postUrl"]!.GetValue<string>()) { Content = Form(("email", email)) };
            post.Headers.Add("Idempotency-Key", key);
            return post;
        }

        var browser = Browser();
        var first = await browser.SendAsync(Submit());
        var again = await browser.SendAsync(Submit());

        foreach (var answer in new[] { first, again })
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Thank you", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task AccentedReturnUrls_RedirectWithAnAsciiLocation_AndAPrefixStopsAtAPathBoundary()
    {
        var form = await CreateForm(new
        {
            name = $"Merci {Guid.NewGuid():N}",
            returnUrls = new[] { "https://www.café-paris.fr/merci", "https://www.example.com/thanks" },
        });
        var browser = Browser();
        async Task<HttpResponseMessage> Post(string back) =>
            await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("email", $"zoe.{Guid.NewGuid():N}@acme-corp.io"), ("retURL", back)));

        var accented = await Post("https://www.café-paris.fr/merci/été?name=Zoë");
        var escaped = await Post("https://www.example.com/thanks?name=Zo%C3%AB");
        var sibling = await Post("https://www.example.com/thanksgiving-offer");

        Assert.Equal(HttpStatusCode.Redirect, accented.StatusCode);
        Assert.Equal("https://www.xn--caf-paris-d4a.fr/merci/%C3%A9t%C3%A9?name=Zo%C3%AB", accented.Headers.Location?.OriginalString);
        Assert.Equal("https://www.example.com/thanks?name=Zo%C3%AB", escaped.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, sibling.StatusCode);
        Assert.Null(sibling.Headers.Location);
    }

    [Fact]
    public async Task Latin1Posts_AreDecodedInTheirCharacterSet()
    {
        var form = await CreateForm();
        var browser = Browser();
        async Task<JsonObject> PostAndRead(string body, string contentType, string email)
        {
            var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(body));
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            var posted = await browser.PostAsync(form["postUrl"]!.GetValue<string>(), content);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            return (await (await app.Admin().PostAsJsonAsync("/api/leads", new { email })).ReadObjectAsync())["lead"]!.AsObject();
        }

        var declared = $"r1.{Guid.NewGuid():N}@philo-works.fr";
        var byField = $"r2.{Guid.NewGuid():N}@philo-works.fr";
        var guessed = $"r3.{Guid.NewGuid():N}@philo-works.fr";
        var a = await PostAndRead($"first_name=Ren%E9&last_name=Descart%E8s&company=Soci%E9t%E9&email={declared}", "application/x-www-form-urlencoded; charset=ISO-8859-1", declared);
        var b = await PostAndRead($"_charset_=windows-1252&first_name=Andr%E9&email={byField}", "application/x-www-form-urlencoded", byField);
        var c = await PostAndRead($"first_name=Fran\u00e7oise&last_name=M%FCller&email={guessed}", "application/x-www-form-urlencoded", guessed);

        Assert.Equal(("René", "Descartès", "Société"), (a["firstName"]!.GetValue<string>(), a["lastName"]!.GetValue<string>(), a["company"]!.GetValue<string>()));
        Assert.NotEqual("Junk", a["stage"]!.GetValue<string>());
        Assert.Equal("André", b["firstName"]!.GetValue<string>());
        Assert.Null(b["customFields"]?["_charset_"]); // it steers the post, it says nothing of the person
        Assert.Equal(("Françoise", "Müller"), (c["firstName"]!.GetValue<string>(), c["lastName"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TheFormsFieldMap_MatchesPostedNames_WithoutRegardToCase()
    {
        var form = await CreateForm(new
        {
            name = $"Case {Guid.NewGuid():N}",
            fieldMap = new Dictionary<string, string> { ["Work_Phone"] = "phone", ["Sales_Region"] = "state" },
        });
        var email = $"case.{Guid.NewGuid():N}@acme-corp.io";

        var response = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "Case"), ("email", email), ("work_phone", "+1 555 010 0123"), ("SALES_REGION", "Ontario")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lead = await LeadAsync(email);
        Assert.Equal("+1 555 010 0123", lead["phone"]?.GetValue<string>());
        Assert.Equal("Ontario", lead["state"]?.GetValue<string>());
        Assert.Null(lead["customFields"]?["work_phone"]);
    }

    [Fact]
    public async Task WebToLeadsEmailOptOut_WithdrawsConsent_AndAnUncheckedOneSaysNothing()
    {
        var form = await CreateForm();
        var optedOut = $"out.{Guid.NewGuid():N}@acme-corp.io";
        var optedIn = $"in.{Guid.NewGuid():N}@acme-corp.io";
        var browser = Browser();

        await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "Out"), ("email", optedOut), ("emailOptOut", "1")));
        await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "In"), ("email", optedIn), ("email_opt_in", "yes"), ("emailOptOut", "0")));

        var outLead = await LeadAsync(optedOut);
        Assert.False(outLead["emailConsent"]?.GetValue<bool>());
        Assert.Null(outLead["customFields"]?["emailOptOut"]);
        Assert.True((await LeadAsync(optedIn))["emailConsent"]?.GetValue<bool>());
    }

    [Fact]
    public async Task ACheckboxAfterAHiddenDefault_IsReadAsTheBoxSays()
    {
        // Rails' check_box and many form builders put a hidden "0" before the box, so a ticked box posts the name twice
        // (0, then 1): the last value is the box, as Rack and PHP read it. Joined as "0,1", the tick was lost.
        var form = await CreateForm();
        var optedOut = $"out.{Guid.NewGuid():N}@rails-shop.io";
        var optedIn = $"in.{Guid.NewGuid():N}@rails-shop.io";
        var unticked = $"unticked.{Guid.NewGuid():N}@rails-shop.io";
        var browser = Browser();

        await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "Out"), ("email", optedOut), ("emailOptOut", "0"), ("emailOptOut", "1")));
        await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "In"), ("email", optedIn), ("consent", "0"), ("consent", "1")));
        await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "Unticked"), ("email", unticked), ("consent", "0")));

        Assert.False((await LeadAsync(optedOut))["emailConsent"]?.GetValue<bool>());
        Assert.True((await LeadAsync(optedIn))["emailConsent"]?.GetValue<bool>());
        Assert.False((await LeadAsync(unticked))["emailConsent"]?.GetValue<bool>());
    }

    private async Task<JsonObject> LeadAsync(string email)
    {
        var page = await (await app.Admin().GetAsync($"/api/leads?q={Uri.EscapeDataString(email)}")).ReadObjectAsync();
        return page["items"]!.AsArray().Single()!.AsObject();
    }

    [Fact]
    public async Task HubSpotsWholePayload_IsAccepted()
    {
        var form = await CreateForm();
        var email = $"hs.{Guid.NewGuid():N}@acme-corp.io";

        var response = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), Json.Raw($$"""
            {"submittedAt":"1517927174000","skipValidation":false,
             "fields":[{"objectTypeId":"0-1","name":"email","value":"{{email}}"},{"objectTypeId":"0-1","name":"firstname","value":"Jeff"}],
             "context":{"hutk":"abc123","pageUri":"www.example.com/page","pageName":"Example page","sfdcCampaignId":"7015x","goToWebinarWebinarKey":"1234"},
             "legalConsentOptions":{"consent":{"consentToProcess":true,"text":"I agree","communications":[{"value":true,"subscriptionTypeId":999,"text":"I agree"}]} } }
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lead = (await (await app.Admin().PostAsJsonAsync("/api/leads", new { email })).ReadObjectAsync())["lead"]!.AsObject();
        Assert.Equal("Jeff", lead["firstName"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnErrorNamesTheFieldAsTheFormPostedIt()
    {
        // The page (or the script) that posted work_email or lastname must find the field the error is about.
        var form = await CreateForm();
        var url = form["postUrl"]!.GetValue<string>();

        var json = await Browser().PostAsync(url, Json.Raw("""{"fields":[{"name":"work_email","value":"not-an-email"},{"name":"lastname","value":"Okafor"}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        var errors = (await json.ReadObjectAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("work_email"), errors.ToJsonString());
        Assert.False(errors.ContainsKey("email"), errors.ToJsonString());

        var page = await Browser().PostAsync(url, Form(("work_email", "not-an-email"), ("last_name", "Okafor")));
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("work_email", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMultipartBodyWithoutItsBoundary_IsA400Page_NotAnError()
    {
        var form = await CreateForm();
        var body = new StringContent("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@acme-corp.io\r\n--x--");
        body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data");

        var cutOff = new StringContent("--XX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@acme-corp");
        cutOff.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XX");

        var response = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), body);
        var truncated = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), cutOff);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("could not be read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
    }

    [Fact]
    public async Task Honeypot_SendsTheLeadToJunk_WithAReason()
    {
        var form = await CreateForm();
        var email = $"bot.{Guid.NewGuid():N}@acme-corp.io";

        var response = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), Form(("last_name", "Bot"), ("email", email), ("hp_website", "http://spam.example")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // a bot learns nothing
        var leads = await (await app.Admin().GetAsync($"/api/leads?q={Uri.EscapeDataString(email)}")).ReadObjectAsync();
        var lead = leads["items"]!.AsArray().Single()!;
        Assert.Equal("Junk", lead["stage"]!.GetValue<string>());
        Assert.Equal("spam", lead["stageReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task ForeignOrigin_IsRefused_AndReturnUrlsOutsideTheList_AreNeverFollowed()
    {
        var form = await CreateForm();
        var browser = Browser();
        var foreign = new HttpRequestMessage(HttpMethod.Post, form["postUrl"]!.GetValue<string>()) { Content = Form(("email", $"x.{Guid.NewGuid():N}@acme-corp.io")) };
        foreign.Headers.Add("Origin", "https://evil.example");

        var refused = await browser.SendAsync(foreign);
        var openRedirect = await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("email", $"y.{Guid.NewGuid():N}@acme-corp.io"), ("retURL", "https://evil.example/phish")));
        var lookalike = await browser.PostAsync(form["postUrl"]!.GetValue<string>(), Form(("email", $"z.{Guid.NewGuid():N}@acme-corp.io"), ("retURL", "https://www.example.com.evil.example/thanks")));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, openRedirect.StatusCode);
        Assert.Null(openRedirect.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, lookalike.StatusCode);
        Assert.Null(lookalike.Headers.Location);

        var preflight = new HttpRequestMessage(HttpMethod.Options, form["postUrl"]!.GetValue<string>());
        preflight.Headers.Add("Origin", "https://www.example.com");
        var allowed = await browser.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://www.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Multipart_IsAccepted_AndBadInput_GetsAPageNamingTheField()
    {
        var form = await CreateForm();
        var email = $"m.{Guid.NewGuid():N}@acme-corp.io";
        using var multipart = new MultipartFormDataContent { { new StringContent(email), "email" }, { new StringContent("Lovelace"), "last_name" } };

        var ok = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), multipart);
        var bad = await Browser().PostAsync(form["postUrl"]!.GetValue<string>(), Form(("email", "not-an-email"), ("last_name", "X")));
        var unknown = await Browser().PostAsync("/f/f_doesnotexist", Form(("email", email)));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("email", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task OriginNull_IsRefused_ByAFormWithAllowedOrigins()
    {
        var form = await CreateForm();
        var open = await CreateForm(new { name = $"Any origin {Guid.NewGuid():N}" });
        var browser = Browser();
        HttpRequestMessage FromNull(JsonObject target)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, target["postUrl"]!.GetValue<string>()) { Content = Form(("email", $"n.{Guid.NewGuid():N}@acme-corp.io")) };
            post.Headers.Add("Origin", "null"); // a sandboxed iframe, a data: URL, a file on disk
            return post;
        }

        var refused = await browser.SendAsync(FromNull(form));
        var preflight = new HttpRequestMessage(HttpMethod.Options, form["postUrl"]!.GetValue<string>());
        preflight.Headers.Add("Origin", "null");
        var refusedPreflight = await browser.SendAsync(preflight);
        var anyOrigin = await browser.SendAsync(FromNull(open));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, refusedPreflight.StatusCode);
        Assert.Equal(HttpStatusCode.OK, anyOrigin.StatusCode); // a form without a list takes any origin, as documented
    }

    [Fact]
    public async Task FormSetup_RefusesEveryValueThatCouldNeverWork_NamingEachOne()
    {
        var response = await app.Admin().PostAsJsonAsync("/api/forms", new
        {
            name = $"Broken {Guid.NewGuid():N}",
            allowedOrigins = new[] { "https://www.example.com/page", "www.example.com", "https://www.example.com?x=1", "https://user@www.example.com", "https://ok.example.com" },
            fieldMap = new Dictionary<string, string> { ["lead_stage"] = "stage", ["rep"] = "owner", ["lead_id"] = "id", ["work_phone"] = "phone", ["work_email"] = "email" },
            honeypotField = "email",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var errors = Json.Problem(text).GetProperty("errors");
        var origins = string.Join("\n", errors.GetProperty("allowedOrigins").EnumerateArray().Select(e => e.GetString()));
        foreach (var bad in new[] { "https://www.example.com/page", "'www.example.com'", "https://www.example.com?x=1", "https://user@www.example.com" })
        {
            Assert.Contains(bad, origins, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ok.example.com", origins, StringComparison.Ordinal);
        Assert.Contains("'stage'", errors.GetProperty("fieldMap.lead_stage")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("'owner'", errors.GetProperty("fieldMap.rep")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("'id'", errors.GetProperty("fieldMap.lead_id")[0].GetString(), StringComparison.Ordinal);
        Assert.False(errors.TryGetProperty("fieldMap.work_phone", out _), text);
        Assert.Contains("'email'", errors.GetProperty("honeypotField")[0].GetString(), StringComparison.Ordinal);

        var list = await (await app.Admin().GetAsync("/api/forms")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("Broken", list, StringComparison.Ordinal); // nothing half-written
    }

    [Theory]
    [InlineData("work_email")] // a field of the form's own, mapped to a lead field
    [InlineData("first_name")] // a Web-to-Lead name of a lead field
    [InlineData("retURL")] // a field that steers the post
    public async Task FormSetup_RefusesAHoneypotThatARealFieldUses(string honeypot)
    {
        var response = await app.Admin().PostAsJsonAsync("/api/forms", new
        {
            name = $"Honeypot {Guid.NewGuid():N}",
            fieldMap = new Dictionary<string, string> { ["work_email"] = "email" },
            honeypotField = honeypot,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains($"'{honeypot}'", errors.GetProperty("honeypotField")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAllowedOrigin_WithItsDefaultPortOrCapitals_MatchesWhatBrowsersSend()
    {
        var form = await CreateForm(new { name = $"Port {Guid.NewGuid():N}", allowedOrigins = new[] { "https://WWW.Example.com:443/" } });
        var post = new HttpRequestMessage(HttpMethod.Post, form["postUrl"]!.GetValue<string>()) { Content = Form(("email", $"p.{Guid.NewGuid():N}@acme-corp.io")) };
        post.Headers.Add("Origin", "https://www.example.com");

        var response = await Browser().SendAsync(post);

        Assert.Equal(["https://www.example.com"], form["allowedOrigins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task EmbedSnippet_PostsToTheForm_WithAHiddenHoneypot()
    {
        var form = await CreateForm();

        var snippet = await app.Admin().GetStringAsync($"/api/forms/{form.Id()}/embed");

        Assert.Contains($"/f/{form["key"]!.GetValue<string>()}\"", snippet, StringComparison.Ordinal);
        Assert.Contains("name=\"hp_website\"", snippet, StringComparison.Ordinal);
        Assert.Contains("name=\"retURL\" value=\"https://www.example.com/thanks\"", snippet, StringComparison.Ordinal);
    }
}

public sealed class FormTests_Sqlite(SqliteApp app) : FormTests<SqliteApp>(app);

public sealed class FormTests_Postgres(PostgresApp app) : FormTests<PostgresApp>(app);

/// <summary>An app whose form limit is low enough to reach in a test.</summary>
public sealed class TightFormLimitsApp : SqliteApp
{
    protected override int FormPostsPerMinute => 3;
}

public sealed class FormRateLimitTests(TightFormLimitsApp app) : IClassFixture<TightFormLimitsApp>
{
    [Fact]
    public async Task PostsOverTheLimit_Get429_WithRetryAfter()
    {
        var created = await (await app.Admin().PostAsJsonAsync("/api/forms", new { name = "Limited" })).ReadObjectAsync();
        var client = app.WithKey(null);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostAsync(created["postUrl"]!.GetValue<string>(), new FormUrlEncodedContent([new("email", $"r{i}.{Guid.NewGuid():N}@acme-corp.io")]));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("60", response.Headers.GetValues("Retry-After").Single());
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task A429_ToAnAllowedOrigin_CarriesTheCorsHeaders_SoTheBrowserCanReadIt()
    {
        var created = await (await app.Admin().PostAsJsonAsync("/api/forms", new { name = "Limited CORS", allowedOrigins = new[] { "https://www.example.com" } })).ReadObjectAsync();
        var client = app.WithKey(null);
        async Task<HttpResponseMessage> Post(string origin)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, created["postUrl"]!.GetValue<string>())
            {
                Content = new FormUrlEncodedContent([new("email", $"c.{Guid.NewGuid():N}@acme-corp.io")]),
            };
            post.Headers.Add("Origin", origin);
            return await client.SendAsync(post);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Post("https://www.example.com")).StatusCode);
        }

        var limited = await Post("https://www.example.com");
        var foreign = await Post("https://evil.example");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("https://www.example.com", limited.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Origin", limited.Headers.Vary);
        Assert.Equal("60", limited.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Too many", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, foreign.StatusCode);
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task WithoutAProxyConfigured_XForwardedFor_IsNotTrusted()
    {
        var created = await (await app.Admin().PostAsJsonAsync("/api/forms", new { name = "Spoofed" })).ReadObjectAsync();
        var client = app.WithKey(null);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, created["postUrl"]!.GetValue<string>())
            {
                Content = new FormUrlEncodedContent([new("email", $"x{i}.{Guid.NewGuid():N}@acme-corp.io")]),
            };
            post.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}"); // a client pretending to be four visitors
            statuses.Add((await client.SendAsync(post)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }
}

/// <summary>The tight per-address limit behind a reverse proxy on this machine, which the app is told to trust.</summary>
public sealed class ProxiedFormLimitsApp : SqliteApp
{
    public ProxiedFormLimitsApp()
    {
        Settings["Handoff:Proxy:KnownProxies:0"] = "127.0.0.1";
        Settings["Handoff:Proxy:KnownProxies:1"] = "::1";
    }

    protected override int FormPostsPerMinute => 3;
}

public sealed class ProxiedFormLimitTests(ProxiedFormLimitsApp app) : IClassFixture<ProxiedFormLimitsApp>
{
    [Fact]
    public async Task BehindATrustedProxy_EachVisitorHasItsOwnLimit()
    {
        var created = await (await app.Admin().PostAsJsonAsync("/api/forms", new { name = "Proxied" })).ReadObjectAsync();
        var client = app.WithKey(null);
        async Task<HttpStatusCode> Post(string visitor)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, created["postUrl"]!.GetValue<string>())
            {
                Content = new FormUrlEncodedContent([new("email", $"v.{Guid.NewGuid():N}@acme-corp.io")]),
            };
            post.Headers.Add("X-Forwarded-For", visitor);
            return (await client.SendAsync(post)).StatusCode;
        }

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            first.Add(await Post("203.0.113.7"));
        }

        var second = await Post("198.51.100.23");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.OK, second);
    }
}

/// <summary>An app whose per-form limit (all addresses together) is low enough to reach in a test.</summary>
public sealed class TightPerFormLimitApp : SqliteApp
{
    public TightPerFormLimitApp() => Settings["Handoff:Forms:PostsPerMinutePerForm"] = "3";
}

public sealed class FormPerFormLimitTests(TightPerFormLimitApp app) : IClassFixture<TightPerFormLimitApp>
{
    [Fact]
    public async Task AFormsLimit_CountsItsPostsWithAndWithoutATrailingSlash()
    {
        var created = await (await app.Admin().PostAsJsonAsync("/api/forms", new { name = "Limited per form" })).ReadObjectAsync();
        var client = app.WithKey(null);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            var url = created["postUrl"]!.GetValue<string>() + (i % 2 == 1 ? "/" : "");
            statuses.Add((await client.PostAsync(url, new FormUrlEncodedContent([new("email", $"s{i}.{Guid.NewGuid():N}@acme-corp.io")]))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }
}
