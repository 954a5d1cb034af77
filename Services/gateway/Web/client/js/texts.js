// Every text of the interface, in English and Turkish, by section (i18n.js picks and fills them).

const en = {
  app: {name: 'Mami'},
  action: {
    cancel: 'Cancel', close: 'Close', copy: 'Copy', copyCode: 'Copy code', delete: 'Delete', edit: 'Edit',
    editMessage: 'Edit your message', more: 'Load more', regenerate: 'Regenerate', retry: 'Retry', saveAndSend: 'Save and send',
  },
  status: {copied: 'Copied', copyFailed: 'Could not copy'},
  signin: {
    lead: 'Your own assistant, on your own machine.', username: 'Username', password: 'Password', login: 'Sign in',
    register: 'Create account', expired: 'Your session ended. Please sign in again.',
    revoked: 'Your session was ended. Please sign in again.', elsewhere: 'You signed out in another tab.',
  },
  prefs: {language: 'Language', auto: 'Auto', theme: 'Theme', system: 'System', light: 'Light', dark: 'Dark'},
  nav: {label: 'Main', memories: 'Memories', documents: 'Documents', settings: 'Settings', admin: 'Admin', logout: 'Sign out'},
  connection: {offline: 'Reconnecting…'},
  sidebar: {
    label: 'Conversations', toggle: 'Show or hide conversations', new: 'New chat', conversations: 'Chats',
    rename: 'Rename “{title}”', delete: 'Delete “{title}”', newTitle: 'New title',
    confirmDelete: 'Delete “{title}” and all its messages? This cannot be undone.',
  },
  search: {label: 'Search conversations', placeholder: 'Search…', results: 'Search results', none: 'Nothing found'},
  chat: {
    new: 'New chat', untitled: 'Untitled chat', messages: 'Messages', greeting: 'How can I help?',
    greetingHint: 'Ask anything. Say “draw …” for a picture.', missing: 'This conversation does not exist or was deleted.',
  },
  model: {
    label: 'Model', default: 'Default model', defaultNamed: 'Default ({name})', unavailable: 'The models could not be listed',
  },
  composer: {
    label: 'Message', placeholder: 'Message Mami…', send: 'Send', stop: 'Stop', hint: 'Enter sends · Shift+Enter adds a line',
  },
  message: {failed: 'The answer failed.', stopped: 'Stopped', sources: 'Sources', thinking: 'Thinking'},
  branch: {label: 'Versions', previous: 'Previous version', next: 'Next version'},
  card: {
    status: {queued: 'Waiting in line', running: 'Drawing…', succeeded: 'Done', failed: 'Failed', cancelled: 'Cancelled'},
    position: '#{n} in queue', eta: 'About {time} left', etaSoon: 'Almost done…', progress: 'Progress', cancel: 'Cancel',
    retry: 'Retry', regenerate: 'Regenerate', open: 'Open the image', failed: 'The image could not be made.',
    cancelled: 'The image was cancelled.', image: 'Generated image', imageOf: 'Image: {prompt}',
  },
  memories: {
    title: 'Memories', lead: 'What Mami remembers about you, from your chats and what you add here.', list: 'Memories',
    add: 'Remember', addPlaceholder: 'Something Mami should remember…', search: 'Search memories',
    searchPlaceholder: 'Search by meaning…', empty: 'Nothing remembered yet.', delete: 'Forget this', deleted: 'Forgotten.',
    byYou: 'Added by you', fromChat: 'From a chat', fromConversation: 'From a conversation', fromMessage: 'From a message',
    before: 'Before: {text}',
    added: {
      added: 'Remembered.', duplicate: 'Already remembered.', merged: 'Merged with a similar memory.',
      updated: 'Updated an older memory.',
    },
    dangerTitle: 'Forget everything', dangerText: 'Erase every memory and every document Mami keeps for you.',
    forgetAll: 'Forget everything', forgotten: 'Everything was forgotten.',
    confirmForgetAll: 'Erase ALL your memories AND all your documents? This cannot be undone.',
  },
  documents: {
    title: 'Documents', lead: 'Mami answers from these files and names them as sources. Text, Markdown, HTML or PDF.',
    list: 'Documents', choose: 'File', upload: 'Upload', uploading: 'Uploading…', uploaded: '“{title}” was uploaded.',
    empty: 'No documents yet.', ready: 'Ready', pending: 'Reading… {done} of {total}', chunks: {one: '{n} passage', other: '{n} passages'},
    delete: 'Delete “{title}”', deleted: 'Deleted.', confirmDelete: 'Delete “{title}”?',
  },
  settings: {title: 'Settings'},
  password: {
    title: 'Password', lead: 'Changing it signs you out everywhere else.', current: 'Current password',
    new: 'New password (at least 8 characters)', change: 'Change password', changed: 'Your password was changed.',
  },
  keys: {
    title: 'API keys', lead: 'For apps and scripts that use the API. A key is shown once, when it is made.', list: 'API keys',
    name: 'Key name', create: 'Create key', empty: 'No keys.',
    createdOnce: 'Your new key. Copy it now: it will not be shown again.', copy: 'Copy the key', revoke: 'Revoke',
    revokeNamed: 'Revoke “{name}”', confirmRevoke: 'Revoke “{name}”? Apps using it stop working.',
  },
  admin: {
    title: 'Administration', denied: 'You are not allowed to see this page.', health: 'Health', overall: 'Overall:',
    stats: 'Statistics', controls: 'Controls', modeLabel: 'Operating mode',
    mode: {normal: 'Normal', degraded: 'Degraded (no AI)'},
    modeHelp: 'Degraded mode answers without the language model and makes no images.', modeSet: 'Mode: {mode}.',
    cacheClear: 'Clear memory cache', cacheCleared: 'Cache cleared. {details}', refresh: 'Refresh', uptime: 'up {time}',
    yes: 'yes', no: 'no',
    status: {ok: 'OK', degraded: 'Degraded', failing: 'Failing', unavailable: 'Unavailable', unknown: 'Unknown'},
  },
  error: {
    network: 'The server could not be reached. Check your connection and try again.',
    invalid_credentials: 'Wrong username or password.', username_taken: 'That username is taken.',
    wrong_password: 'The current password is wrong.', cross_origin: 'This request was refused.',
  },
};

const tr = {
  app: {name: 'Mami'},
  action: {
    cancel: 'Vazgeç', close: 'Kapat', copy: 'Kopyala', copyCode: 'Kodu kopyala', delete: 'Sil', edit: 'Düzenle',
    editMessage: 'Mesajını düzenle', more: 'Daha fazla', regenerate: 'Yeniden oluştur', retry: 'Yeniden dene',
    saveAndSend: 'Kaydet ve gönder',
  },
  status: {copied: 'Kopyalandı', copyFailed: 'Kopyalanamadı'},
  signin: {
    lead: 'Kendi makinende, kendi asistanın.', username: 'Kullanıcı adı', password: 'Parola', login: 'Giriş yap',
    register: 'Hesap oluştur', expired: 'Oturumun sona erdi. Lütfen yeniden giriş yap.',
    revoked: 'Oturumun sonlandırıldı. Lütfen yeniden giriş yap.', elsewhere: 'Başka bir sekmede çıkış yaptın.',
  },
  prefs: {language: 'Dil', auto: 'Otomatik', theme: 'Tema', system: 'Sistem', light: 'Açık', dark: 'Koyu'},
  nav: {label: 'Ana menü', memories: 'Bellek', documents: 'Belgeler', settings: 'Ayarlar', admin: 'Yönetim', logout: 'Çıkış yap'},
  connection: {offline: 'Yeniden bağlanıyor…'},
  sidebar: {
    label: 'Sohbetler', toggle: 'Sohbetleri göster veya gizle', new: 'Yeni sohbet', conversations: 'Sohbetler',
    rename: '“{title}” adını değiştir', delete: '“{title}” sohbetini sil', newTitle: 'Yeni başlık',
    confirmDelete: '“{title}” ve tüm mesajları silinsin mi? Bu geri alınamaz.',
  },
  search: {label: 'Sohbetlerde ara', placeholder: 'Ara…', results: 'Arama sonuçları', none: 'Hiçbir şey bulunamadı'},
  chat: {
    new: 'Yeni sohbet', untitled: 'Başlıksız sohbet', messages: 'Mesajlar', greeting: 'Nasıl yardımcı olabilirim?',
    greetingHint: 'Ne istersen sor. Resim için “… çiz” de.', missing: 'Bu sohbet yok ya da silinmiş.',
  },
  model: {
    label: 'Model', default: 'Varsayılan model', defaultNamed: 'Varsayılan ({name})', unavailable: 'Modeller listelenemedi',
  },
  composer: {
    label: 'Mesaj', placeholder: 'Mami’ye yaz…', send: 'Gönder', stop: 'Durdur', hint: 'Enter gönderir · Shift+Enter yeni satır',
  },
  message: {failed: 'Yanıt oluşturulamadı.', stopped: 'Durduruldu', sources: 'Kaynaklar', thinking: 'Düşünüyor'},
  branch: {label: 'Sürümler', previous: 'Önceki sürüm', next: 'Sonraki sürüm'},
  card: {
    status: {
      queued: 'Sırada bekliyor', running: 'Çiziliyor…', succeeded: 'Hazır', failed: 'Başarısız', cancelled: 'İptal edildi',
    },
    position: 'Sırada #{n}', eta: 'Yaklaşık {time} kaldı', etaSoon: 'Neredeyse bitti…', progress: 'İlerleme', cancel: 'İptal et',
    retry: 'Yeniden dene', regenerate: 'Yeniden çiz', open: 'Resmi büyüt', failed: 'Resim oluşturulamadı.',
    cancelled: 'Resim iptal edildi.', image: 'Oluşturulan resim', imageOf: 'Resim: {prompt}',
  },
  memories: {
    title: 'Bellek', lead: 'Mami’nin senin hakkında hatırladıkları: sohbetlerinden ve buraya eklediklerinden.',
    list: 'Hatırlananlar', add: 'Hatırla', addPlaceholder: 'Mami’nin hatırlaması gereken bir şey…', search: 'Anılarda ara',
    searchPlaceholder: 'Anlamına göre ara…', empty: 'Henüz hatırlanan bir şey yok.', delete: 'Bunu unut', deleted: 'Unutuldu.',
    byYou: 'Senin eklediğin', fromChat: 'Bir sohbetten', fromConversation: 'Bir sohbetten', fromMessage: 'Bir mesajdan',
    before: 'Önceden: {text}',
    added: {
      added: 'Hatırlandı.', duplicate: 'Zaten hatırlanıyor.', merged: 'Benzer bir anıyla birleştirildi.',
      updated: 'Eski bir anı güncellendi.',
    },
    dangerTitle: 'Her şeyi unut', dangerText: 'Mami’nin senin için tuttuğu tüm anıları ve tüm belgeleri sil.',
    forgetAll: 'Her şeyi unut', forgotten: 'Her şey unutuldu.',
    confirmForgetAll: 'TÜM anıların VE tüm belgelerin silinsin mi? Bu geri alınamaz.',
  },
  documents: {
    title: 'Belgeler',
    lead: 'Mami bu dosyalardan yanıt verir ve onları kaynak olarak gösterir. Metin, Markdown, HTML ya da PDF.', list: 'Belgeler',
    choose: 'Dosya', upload: 'Yükle', uploading: 'Yükleniyor…', uploaded: '“{title}” yüklendi.', empty: 'Henüz belge yok.',
    ready: 'Hazır', pending: 'Okunuyor… {done} / {total}', chunks: '{n} bölüm', delete: '“{title}” belgesini sil',
    deleted: 'Silindi.', confirmDelete: '“{title}” silinsin mi?',
  },
  settings: {title: 'Ayarlar'},
  password: {
    title: 'Parola', lead: 'Parolanı değiştirmek diğer tüm oturumlarını kapatır.', current: 'Şu anki parola',
    new: 'Yeni parola (en az 8 karakter)', change: 'Parolayı değiştir', changed: 'Parolan değiştirildi.',
  },
  keys: {
    title: 'API anahtarları',
    lead: 'API’yi kullanan uygulamalar ve betikler için. Anahtar yalnızca oluşturulduğunda bir kez gösterilir.',
    list: 'API anahtarları', name: 'Anahtar adı', create: 'Anahtar oluştur', empty: 'Anahtar yok.',
    createdOnce: 'Yeni anahtarın. Şimdi kopyala: bir daha gösterilmeyecek.', copy: 'Anahtarı kopyala', revoke: 'İptal et',
    revokeNamed: '“{name}” anahtarını iptal et', confirmRevoke: '“{name}” iptal edilsin mi? Onu kullanan uygulamalar çalışmaz.',
  },
  admin: {
    title: 'Yönetim', denied: 'Bu sayfayı görme iznin yok.', health: 'Sağlık', overall: 'Genel:', stats: 'İstatistikler',
    controls: 'Denetimler', modeLabel: 'Çalışma kipi',
    mode: {normal: 'Normal', degraded: 'Kısıtlı (yapay zekâ yok)'},
    modeHelp: 'Kısıtlı kip dil modeli olmadan yanıt verir ve resim çizmez.', modeSet: 'Kip: {mode}.',
    cacheClear: 'Bellek önbelleğini temizle', cacheCleared: 'Önbellek temizlendi. {details}', refresh: 'Yenile',
    uptime: '{time} çalışıyor', yes: 'evet', no: 'hayır',
    status: {ok: 'Sorunsuz', degraded: 'Kısıtlı', failing: 'Arızalı', unavailable: 'Erişilemiyor', unknown: 'Bilinmiyor'},
  },
  error: {
    network: 'Sunucuya ulaşılamadı. Bağlantını kontrol edip yeniden dene.',
    invalid_credentials: 'Kullanıcı adı ya da parola yanlış.', username_taken: 'Bu kullanıcı adı alınmış.',
    wrong_password: 'Şu anki parola yanlış.', cross_origin: 'Bu istek reddedildi.',
  },
};

export const TEXTS = {en, tr};
