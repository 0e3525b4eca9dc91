using Lep.Data;
using Lep.Tests.Support;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Tests.Tokenization.ChatTemplates;

/// <summary>
/// Real chat templates, in the text their model cards publish, rendered against expectations worked out by hand from
/// that text (what transformers' apply_chat_template(..., tokenize=False) gives).
/// </summary>
public class PublishedTemplateTests
{
    private static string Llama3Config => TestData.Tokenizer("llama3.tokenizer_config.json");

    private static readonly ChatMessage[] SystemUserAssistant =
    [
        new("system", "You are a helpful assistant."),
        new("user", "  What is the capital of France?\n"),
        new("assistant", "Paris."),
    ];

    // ---- Llama-3 (the file in the test data: the base model's template, which always opens an assistant turn) ----

    [SkippableFact]
    public void Llama3FromSharedConfig_SystemUserAssistant()
    {
        var template = ChatTemplate.FromTokenizerConfig(Llama3Config);
        Assert.Equal("<|begin_of_text|>", template.BosToken);
        Assert.Equal("<|end_of_text|>", template.EosToken);
        const string expected =
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n";
        // This template has no {% if add_generation_prompt %}: the assistant header is always appended.
        Assert.Equal(expected, template.Render(SystemUserAssistant, addGenerationPrompt: false));
        Assert.Equal(expected, template.Render(SystemUserAssistant, addGenerationPrompt: true));
    }

    [SkippableFact]
    public void Llama3FromSharedConfig_TrimOnlyAppliesToTheContent()
    {
        // `'...\n\n' + message['content'] | trim + '<|eot_id|>'`: the filter binds tighter than +, so only the
        // content is trimmed (the header's "\n\n" survives).
        var template = ChatTemplate.FromTokenizerConfig(Llama3Config);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nПривет,  мир<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            template.Render([new ChatMessage("user", "\n\t Привет,  мир \n")], addGenerationPrompt: true));
    }

    // The Llama-3-8B-Instruct model card's template: same, but the assistant header only with add_generation_prompt.
    private const string Llama3Instruct =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + " +
        "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}" +
        "{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    [SkippableFact]
    public void Llama3Instruct_WithAndWithoutGenerationPrompt()
    {
        var template = ChatTemplate.Parse(Llama3Instruct).WithSpecialTokens("<|begin_of_text|>", "<|eot_id|>");
        const string conversation =
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>";
        Assert.Equal(conversation, template.Render(SystemUserAssistant, addGenerationPrompt: false));
        Assert.Equal(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n", template.Render(SystemUserAssistant, addGenerationPrompt: true));
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            template.Render([new ChatMessage("user", "Hi")], addGenerationPrompt: true));
    }

    // ---- Mistral-7B-Instruct (v0.1/v0.2) ----

    private const string Mistral =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}" +
        "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    [Fact]
    public void Mistral_MultiTurn()
    {
        var template = ChatTemplate.Parse(Mistral, "mistral").WithSpecialTokens("<s>", "</s>");
        ChatMessage[] messages = [new("user", "Hi"), new("assistant", "Hello! How can I help?"), new("user", "Tell me a joke.")];
        Assert.Equal("<s>[INST] Hi [/INST]Hello! How can I help?</s>[INST] Tell me a joke. [/INST]", template.Render(messages, true));
        Assert.Equal("<s>[INST] Hi [/INST]Hello! How can I help?</s>", template.Render(messages[..2], false));
    }

    [SkippableFact]
    public void Mistral_RaisesOnBrokenAlternationAndSystemRole()
    {
        var template = ChatTemplate.Parse(Mistral, "mistral").WithSpecialTokens("<s>", "</s>");
        var e = Assert.Throws<LepInputException>(() => template.Render([new("user", "a"), new("user", "b")], true));
        Assert.Equal("mistral", e.Path);
        Assert.Contains("line 1", e.Message);
        Assert.Contains("Conversation roles must alternate user/assistant/user/assistant/...", e.Message);

        var system = Assert.Throws<LepInputException>(() => template.Render([new("user", "a"), new("system", "b")], true));
        Assert.Contains("Only user and assistant roles are supported!", system.Message);
    }

    // ---- ChatML as Qwen2-Instruct publishes it (a default system prompt when none is given) ----

    private const string Qwen2 =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
        "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}" +
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    [Fact]
    public void Qwen2_DefaultSystemPrompt()
    {
        var template = ChatTemplate.Parse(Qwen2);
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
            template.Render([new ChatMessage("user", "Hello")], addGenerationPrompt: true));
    }

    [SkippableFact]
    public void Qwen2_GivenSystemPromptAndNoGenerationPrompt()
    {
        var template = ChatTemplate.Parse(Qwen2);
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\n  What is the capital of France?\n<|im_end|>\n" +
            "<|im_start|>assistant\nParis.<|im_end|>\n",
            template.Render(SystemUserAssistant, addGenerationPrompt: false));
        Assert.Equal("<|im_start|>system\nОтвечай по-русски.<|im_end|>\n<|im_start|>user\nПривет<|im_end|>\n<|im_start|>assistant\n",
            template.Render([new("system", "Отвечай по-русски."), new("user", "Привет")], addGenerationPrompt: true));
    }

    // ---- Llama-2-chat: system prompt folded into the first user turn, loop.index0, .strip() ----

    private const string Llama2 =
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
        "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}" +
        "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if loop.index0 == 0 and system_message != false %}" +
        "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}" +
        "{% else %}{% set content = message['content'] %}{% endif %}" +
        "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
        "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    [Fact]
    public void Llama2_SystemFoldedIntoFirstUserTurn()
    {
        var template = ChatTemplate.Parse(Llama2).WithSpecialTokens("<s>", "</s>");
        ChatMessage[] messages = [new("system", "Be brief."), new("user", "Hi "), new("assistant", " Hello! "), new("user", "Bye")];
        Assert.Equal("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]", template.Render(messages, true));
    }

    [SkippableFact]
    public void Llama2_WithoutSystem()
    {
        var template = ChatTemplate.Parse(Llama2).WithSpecialTokens("<s>", "</s>");
        Assert.Equal("<s>[INST] Hi [/INST] Hello! </s>", template.Render([new("user", "Hi"), new("assistant", "Hello!")], false));
        var e = Assert.Throws<LepInputException>(() => template.Render([new("system", "x"), new("assistant", "y")], false));
        Assert.Contains("Conversation roles must alternate", e.Message);
    }

    // ---- Gemma-it: "model" instead of "assistant", no system role ----

    private const string Gemma =
        "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
        "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}" +
        "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}";

    [SkippableFact]
    public void Gemma_ModelRoleAndGenerationPrompt()
    {
        var template = ChatTemplate.Parse(Gemma, "gemma").WithSpecialTokens("<bos>", "<eos>");
        ChatMessage[] messages = [new("user", " Hi "), new("assistant", "Hello!\n")];
        Assert.Equal("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n", template.Render(messages, false));
        Assert.Equal("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>model\n",
            template.Render(messages, true));
        var e = Assert.Throws<LepInputException>(() => template.Render([new("system", "s"), new("user", "u")], true));
        Assert.Contains("System role not supported", e.Message);
    }

    // ---- Qwen2.5-Instruct style: multi-line with {%- -%}, tools as tojson, tool calls and tool responses ----

    private const string Qwen25 = """
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
            {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
            {%- for tool in tools %}
                {{- "\n" }}
                {{- tool | tojson }}
            {%- endfor %}
            {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
            {%- elif message.role == "assistant" %}
                {{- '<|im_start|>' + message.role }}
                {%- if message.content %}
                    {{- '\n' + message.content }}
                {%- endif %}
                {%- for tool_call in message.tool_calls %}
                    {%- if tool_call.function is defined %}
                        {%- set tool_call = tool_call.function %}
                    {%- endif %}
                    {{- '\n<tool_call>\n{"name": "' }}
                    {{- tool_call.name }}
                    {{- '", "arguments": ' }}
                    {{- tool_call.arguments | tojson }}
                    {{- '}\n</tool_call>' }}
                {%- endfor %}
                {{- '<|im_end|>\n' }}
            {%- elif message.role == "tool" %}
                {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                    {{- '<|im_start|>user' }}
                {%- endif %}
                {{- '\n<tool_response>\n' }}
                {{- message.content }}
                {{- '\n</tool_response>' }}
                {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                    {{- '<|im_end|>\n' }}
                {%- endif %}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}

        """;

    [Fact]
    public void Qwen25_PlainConversation()
    {
        var template = ChatTemplate.Parse(Qwen25);
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            template.Render([new ChatMessage("user", "Hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void Qwen25_ToolsToolCallsAndResponses()
    {
        var template = ChatTemplate.Parse(Qwen25);
        var tool = new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?>
            {
                ["name"] = "get_weather",
                ["description"] = "Погода в городе",
                ["parameters"] = new Dictionary<string, object?>
                {
                    ["type"] = "object",
                    ["properties"] = new Dictionary<string, object?> { ["city"] = new Dictionary<string, object?> { ["type"] = "string" } },
                    ["required"] = new[] { "city" },
                },
            },
        };
        var messages = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "system", ["content"] = "Be brief." },
            new ChatMessage("user", "Weather in Москва?"),
            new Dictionary<string, object?>
            {
                ["role"] = "assistant",
                ["content"] = "",
                ["tool_calls"] = new List<object?>
                {
                    new Dictionary<string, object?>
                    {
                        ["type"] = "function",
                        ["function"] = new Dictionary<string, object?> { ["name"] = "get_weather", ["arguments"] = new Dictionary<string, object?> { ["city"] = "Москва" } },
                    },
                },
            },
            new Dictionary<string, object?> { ["role"] = "tool", ["content"] = "-5 °C" },
            new Dictionary<string, object?> { ["role"] = "tool", ["content"] = "snow" },
        };
        string rendered = template.Render(new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["tools"] = new List<object?> { tool },
            ["add_generation_prompt"] = true,
        });
        Assert.Equal(
            "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
            "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Погода в городе\", \"parameters\": " +
            "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n</tools>\n\n" +
            "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
            "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" +
            "<|im_start|>user\nWeather in Москва?<|im_end|>\n" +
            "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Москва\"}}\n</tool_call><|im_end|>\n" +
            "<|im_start|>user\n<tool_response>\n-5 °C\n</tool_response>\n<tool_response>\nsnow\n</tool_response><|im_end|>\n" +
            "<|im_start|>assistant\n",
            rendered);
    }

    // ---- tokenizer_config.json forms ----

    [SkippableFact]
    public void FromTokenizerConfig_NamedTemplatesAndTokenObjects()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "tokenizer_config.json");
        File.WriteAllText(path, """
            {
              "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
              "eos_token": "</s>",
              "pad_token": null,
              "chat_template": [
                {"name": "default", "template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}"},
                {"name": "tool_use", "template": "{{ tools | length }} tools"}
              ]
            }
            """);
        var chosen = ChatTemplate.FromTokenizerConfig(path);
        Assert.Equal("<s>", chosen.BosToken);
        Assert.Equal("<s>a</s>b</s>", chosen.Render([new("user", "a"), new("assistant", "b")], false));
        var toolUse = ChatTemplate.FromTokenizerConfig(path, "tool_use");
        Assert.Equal("2 tools", toolUse.Render([], false, new Dictionary<string, object?> { ["tools"] = new[] { "x", "y" } }));
        var e = Assert.Throws<LepInputException>(() => ChatTemplate.FromTokenizerConfig(path, "rag"));
        Assert.Contains("available: default, tool_use", e.Message);
    }

    [SkippableFact]
    public void FromTokenizerConfig_MissingTemplateAndChatTemplateJinjaFallback()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "tokenizer_config.json");
        File.WriteAllText(path, """{"eos_token": "</s>"}""");
        var e = Assert.Throws<LepInputException>(() => ChatTemplate.FromTokenizerConfig(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("no chat_template", e.Message);

        File.WriteAllText(Path.Combine(dir.Path, "chat_template.jinja"), "{% for m in messages %}\n{{ m.role }}: {{ m.content }}{{ eos_token }}\n{% endfor %}\n");
        var template = ChatTemplate.FromTokenizerConfig(path);
        Assert.Equal("user: hi</s>\n", template.Render([new("user", "hi")], false));
        Assert.Throws<LepInputException>(() => ChatTemplate.FromTokenizerConfig(Path.Combine(dir.Path, "missing.json")));
    }
}
