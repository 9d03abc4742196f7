"""Password rules with Chinese messages. Django's zh-Hans catalogue has no translation for the
minimum-length message at the plural form it picks, so staff saw it in English."""

from __future__ import annotations

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return f"密码长度太短：至少 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符。"
